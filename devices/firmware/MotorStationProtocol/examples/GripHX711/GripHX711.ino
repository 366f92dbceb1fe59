/*
 * Motor Station reference firmware: grip dynamometer with one load cell and an HX711.
 *
 * Wiring (Arduino Nano/Uno): HX711 DOUT -> D3, SCK -> D2, VCC -> 5V, GND -> GND; the HX711 RATE pin
 * high for 80 samples/s (low: 10/s). Needs the "HX711" library by Bogdan Necula (bogde/HX711) and
 * this folder's library (MotorStationProtocol: copy it into your Arduino "libraries" folder).
 *
 * Speaks msp/1 (devices/PROTOCOL.md): prints a hello line at power-up and on "ID", streams
 * "$D,<seq>,<t_us>,<force N>*HH" lines, answers START, STOP, TARE, RATE. The force is nominal
 * (COUNTS_PER_N below); the station calibrates span and zero on the host against SERIAL_NO.
 *
 * 80 lines of ~24 bytes per second need about 19,200 baud; 115,200 leaves room. A real 115,200-baud
 * UART carries only about 460 such lines per second: for 1 kHz use a native-USB board (SAMD, ESP32-S3).
 */
#include <HX711.h>
#include <msp_line.h>

static const uint8_t PIN_DOUT = 3;
static const uint8_t PIN_SCK = 2;
static const char SERIAL_NO[] = "GRIP-0001";   /* unique per device: calibrations are stored against it */
static const char FIRMWARE[] = "1.0.0";
static const long COUNTS_PER_N = 2280;         /* nominal for a 50 kg cell at gain 128; calibrate on the host */
static const uint32_t RATE_HZ = 80;            /* fixed by the HX711 RATE pin */

HX711 scale;
static uint32_t seq = 0;
static bool streaming = true;                   /* stream from power-up so a serial monitor shows data */
static long offset = 0;
static char line[MSP_MAX_LINE];
static char cmd[32];
static uint8_t cmdLen = 0;

static void sendHello() {
  size_t n = msp_hello(line, sizeof line, "grip", "MS-GRIP-HX711", SERIAL_NO, FIRMWARE, RATE_HZ, "force", "N", "900");
  Serial.write((const uint8_t *)line, n);
}

static void reply(bool ok, const char *command, const char *detail) {
  size_t n = msp_reply(line, sizeof line, ok ? 1 : 0, command, detail);
  Serial.write((const uint8_t *)line, n);
}

static void tare() {
  long sum = 0;
  for (uint8_t i = 0; i < 16; i++) sum += scale.read();
  offset = sum / 16;
}

static void handleCommand(const char *text, size_t len) {
  uint32_t arg = 0;
  switch (msp_parse_command(text, len, &arg)) {
    case MSP_CMD_ID: sendHello(); break;
    case MSP_CMD_START: streaming = true; reply(true, "START", NULL); break;
    case MSP_CMD_STOP: streaming = false; reply(true, "STOP", NULL); break;
    case MSP_CMD_TARE: tare(); reply(true, "TARE", NULL); break;
    case MSP_CMD_RATE:
      if (arg == RATE_HZ) reply(true, "RATE", "80");
      else reply(false, "RATE", "fixed by the HX711 RATE pin");
      break;
    case MSP_CMD_UNKNOWN: reply(false, "UNKNOWN", "unknown command"); break;
    case MSP_CMD_NONE: break;
  }
}

static void readCommands() {
  while (Serial.available() > 0) {
    char c = (char)Serial.read();
    if (c == '\n' || c == '\r') {
      handleCommand(cmd, cmdLen);
      cmdLen = 0;
    } else if (cmdLen < sizeof cmd) {
      cmd[cmdLen++] = c;
    }
  }
}

void setup() {
  Serial.begin(115200);
  scale.begin(PIN_DOUT, PIN_SCK);
  tare();
  sendHello();
}

void loop() {
  readCommands();
  if (!scale.is_ready()) return;
  uint32_t t = micros();           /* stamp when the conversion is ready, before the 24-bit read */
  long raw = scale.read();
  seq++;                           /* +1 per sample measured, sent or not: the host sees losses as gaps */
  if (!streaming) return;
  int32_t centinewton = (int32_t)(((int64_t)(raw - offset) * 100) / COUNTS_PER_N);
  size_t n = msp_sample(line, sizeof line, seq, t, &centinewton, 1, 2);
  if (Serial.availableForWrite() >= (int)n) Serial.write((const uint8_t *)line, n);
}
