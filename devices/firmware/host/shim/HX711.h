/* Host stand-in for bogde/HX711: deterministic raw counts, one conversion per 12.5 ms (80/s). */
#ifndef SHIM_HX711_H
#define SHIM_HX711_H
#include "Arduino.h"

#define SHIM_STEP_US 12500u
extern long shim_raw(uint8_t dout_pin, uint32_t n);

class HX711 {
 public:
  uint8_t dout = 0;
  uint32_t n = 0;
  uint32_t ready_at = 0;
  void begin(uint8_t dout_pin, uint8_t) {
    dout = dout_pin;
    ready_at = shim_micros; /* the first conversion is ready at once */
  }
  bool is_ready() {
    if ((int32_t)(shim_micros - ready_at) >= 0) return true; /* wrap-safe, as on a board */
    shim_micros = ready_at; /* the next loop() finds it ready: time only moves forward */
    return false;
  }
  long read() {
    ready_at = shim_micros + SHIM_STEP_US;
    return shim_raw(dout, n++);
  }
};
#endif
