/*
 * Host self-test of msp_line.h: a tiny "device" that answers host commands read from stdin and then
 * prints samples, so tests (and makers without a board) can check the header's output with the
 * Motor Station parser.
 *
 *   cc -std=c99 -Wall -Wextra -Werror -I../MotorStationProtocol/src msp_selftest.c -o msp_selftest
 *   printf 'ID\nSTART\n' | ./msp_selftest msp 1000      # hello, ack, then 1000 samples
 *   ./msp_selftest plain 10 < /dev/null                 # N<value> lines
 *
 * Samples: seq starts 6 below 2^32 and the clock 7 ms below 2^32, so both wrap; value i is
 * ((i * 7919) % 200001) - 100000 hundredths of a newton (negative values included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msp_line.h"

#define SEQ0 4294967290u
#define T0_US 4294960000u

static int32_t value_of(uint32_t i) { return (int32_t)((i * 7919u) % 200001u) - 100000; }

int main(int argc, char **argv) {
    char buf[MSP_MAX_LINE];
    char line[128];
    const int plain = argc > 1 && strcmp(argv[1], "plain") == 0;
    const unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
    uint32_t rate = 1000;
    unsigned long i;

    if (!plain) {
        while (fgets(line, sizeof line, stdin)) {
            uint32_t arg = 0;
            size_t len = strcspn(line, "\n");
            enum msp_command c = msp_parse_command(line, len, &arg);
            size_t k = 0;
            switch (c) {
                case MSP_CMD_ID:
                    k = msp_hello(buf, sizeof buf, "grip", "MS-GRIP-HX711", "GRIP-0042", "1.0.0", rate, "force", "N", "900");
                    break;
                case MSP_CMD_START: k = msp_reply(buf, sizeof buf, 1, "START", NULL); break;
                case MSP_CMD_STOP: k = msp_reply(buf, sizeof buf, 1, "STOP", NULL); break;
                case MSP_CMD_TARE: k = msp_reply(buf, sizeof buf, 1, "TARE", NULL); break;
                case MSP_CMD_RATE: {
                    char num[12];
                    snprintf(num, sizeof num, "%lu", (unsigned long)arg);
                    if (arg >= 1 && arg <= 20000) rate = arg;
                    k = msp_reply(buf, sizeof buf, arg >= 1 && arg <= 20000, "RATE", num);
                    break;
                }
                case MSP_CMD_UNKNOWN: k = msp_reply(buf, sizeof buf, 0, "UNKNOWN", "unknown command"); break;
                case MSP_CMD_NONE: break;
            }
            if (k) fwrite(buf, 1, k, stdout);
        }
    }
    for (i = 0; i < n; i++) {
        int32_t v = value_of((uint32_t)i);
        size_t k = plain ? msp_plain(buf, sizeof buf, 'N', v, 2)
                         : msp_sample(buf, sizeof buf, SEQ0 + (uint32_t)i, T0_US + (uint32_t)i * (1000000u / rate), &v, 1, 2);
        if (!k) return 1;
        fwrite(buf, 1, k, stdout);
    }
    /* a too-small buffer must write nothing useful and return 0 */
    {
        const int32_t v = 12345;
        if (msp_sample(buf, 8, 1, 2, &v, 1, 2) != 0) return 2;
    }
    return 0;
}
