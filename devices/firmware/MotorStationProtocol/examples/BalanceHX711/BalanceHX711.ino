/*
 * Motor Station reference firmware: balance board with four load cells and four HX711s.
 *
 * Cells as seen from above, the child facing "top": tl (top-left), tr, bl, br. Wiring (Arduino
 * Nano/Uno): DOUT tl D3, tr D5, bl D7, br D9; SCK tl D2, tr D4, bl D6, br D8; RATE pins high (80/s).
 * Needs the "HX711" library (bogde/HX711) and MotorStationProtocol (this library).
 *
 * Speaks msp/1 (devices/PROTOCOL.md): "$D,<seq>,<t_us>,<tl>,<tr>,<bl>,<br>*HH" in kg with three
 * decimals (grams). The host computes total weight and centre of pressure from the board geometry
 * and calibrates each cell (zero and span) against SERIAL_NO.
 */
#include <HX711.h>
#include <msp_line.h>

static const uint8_t PIN_DOUT[4] = {3, 5, 7, 9};
static const uint8_t PIN_SCK[4] = {2, 4, 6, 8};
static const char SERIAL_NO[] = "BAL-0001";
static const char FIRMWARE[] = "1.0.0";
static const long COUNTS_PER_KG = 21000;       /* nominal per cell; calibrate on the host */
static const uint32_t RATE_HZ = 80;

HX711 cells[4];
static long offsets[4];
static uint32_t seq = 0;
static bool streaming = true;
static char line[MSP_MAX_LINE];
static char cmd[32];
static uint8_t cmdLen = 0;

static void sendHello() {
  size_t n = msp_hello(line, sizeof line, "balance", "MS-BALANCE-HX711", SERIAL_NO, FIRMWARE, RATE_HZ,
                       "tl;tr;bl;br", "kg;kg;kg;kg", "150;150;150;150");
  Serial.write((const uint8_t *)line, n);
}

static void reply(bool ok, const char *command, const char *detail) {
  size_t n = msp_reply(line, sizeof line, ok ? 1 : 0, command, detail);
  Serial.write((const uint8_t *)line, n);
}

static bool allReady() {
  for (uint8_t i = 0; i < 4; i++)
    if (!cells[i].is_ready()) return false;
  return true;
}

static void tare() {
  long sum[4] = {0, 0, 0, 0};
  for (uint8_t k = 0; k < 16; k++) {
    while (!allReady()) {
    }
    for (uint8_t i = 0; i < 4; i++) sum[i] += cells[i].read();
  }
  for (uint8_t i = 0; i < 4; i++) offsets[i] = sum[i] / 16;
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
      else reply(false, "RATE", "fixed by the HX711 RATE pins");
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
  for (uint8_t i = 0; i < 4; i++) cells[i].begin(PIN_DOUT[i], PIN_SCK[i]);
  tare();
  sendHello();
}

void loop() {
  readCommands();
  if (!allReady()) return;
  uint32_t t = micros();
  int32_t grams[4];
  for (uint8_t i = 0; i < 4; i++) grams[i] = (int32_t)(((int64_t)(cells[i].read() - offsets[i]) * 1000) / COUNTS_PER_KG);
  seq++;
  if (!streaming) return;
  size_t n = msp_sample(line, sizeof line, seq, t, grams, 4, 3);
  if (Serial.availableForWrite() >= (int)n) Serial.write((const uint8_t *)line, n);
}
