/*
 * Build a reference sketch for the host and run it:
 *   g++ -std=c++17 -Ishim -I../MotorStationProtocol/src -include Arduino.h -x c++ SKETCH.ino -x c++ shim/run_sketch.cpp
 *   ./a.out LOOPS 'ID\nSTART\n'
 * Raw counts: 100000 + 2280 * (n % 50) on every HX711 (the grip's nominal 2280 counts per newton),
 * plus 1000 * dout_pin so the four balance cells differ.
 */
#include <stdlib.h>

#include "Arduino.h"
#include "HX711.h"

uint32_t shim_micros = 4293467296u; /* 1.5 s before micros() wraps at 2^32 */
ShimSerial Serial;

long shim_raw(uint8_t dout_pin, uint32_t n) { return 100000L + 2280L * (long)(n % 50u) + 1000L * dout_pin; }

void setup();
void loop();

int main(int argc, char **argv) {
  unsigned long loops = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
  static char input[256] = "";
  if (argc > 2) {
    /* turn the two characters "\n" into a newline */
    size_t j = 0;
    for (const char *s = argv[2]; *s && j + 1 < sizeof input; s++) {
      if (s[0] == '\\' && s[1] == 'n') {
        input[j++] = '\n';
        s++;
      } else {
        input[j++] = *s;
      }
    }
    input[j] = '\0';
  }
  setup();
  Serial.input = input;
  for (unsigned long i = 0; i < loops; i++) loop();
  return 0;
}
