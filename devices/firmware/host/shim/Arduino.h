/*
 * A tiny host stand-in for the Arduino core, enough to build the reference sketches with g++ and run
 * them on a desktop (the test suite does, and parses their output). Time is simulated: micros()
 * advances by SHIM_STEP_US each time the HX711 stand-in reports a sample ready.
 */
#ifndef SHIM_ARDUINO_H
#define SHIM_ARDUINO_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern uint32_t shim_micros;
inline unsigned long micros() { return shim_micros; }
inline unsigned long millis() { return shim_micros / 1000u; }

class ShimSerial {
 public:
  const char *input = "";
  size_t pos = 0;
  void begin(long) {}
  int available() { return (int)(strlen(input) - pos); }
  int read() { return input[pos] ? (unsigned char)input[pos++] : -1; }
  int availableForWrite() { return 64; }
  size_t write(const uint8_t *b, size_t n) { return fwrite(b, 1, n, stdout); }
};
extern ShimSerial Serial;
#endif
