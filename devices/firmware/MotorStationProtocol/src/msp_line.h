/*
 * msp_line.h - line formatting of the Motor Station serial protocol, version 1 (msp/1).
 *
 * One header, no dynamic memory, no floating point, no printf: it builds the protocol's text lines
 * into a caller's buffer, so it runs on an 8-bit AVR (Arduino Nano/Uno), a SAMD, an ESP32 and on a
 * desktop. The Motor Station test suite compiles this header with the host gcc and g++ and parses
 * what it prints with the Python parser (devices/parser.py): one protocol, checked from both ends.
 * The normative description is devices/PROTOCOL.md.
 *
 *   $D,<seq>,<t_us>,<v1>[,<v2>...]*HH\n     a sample (values are fixed-point: value / 10^decimals)
 *   $H,msp=1,kind=...,model=...,serial=...,fw=...,rate=...,ch=a;b,unit=u;u[,fs=x;y]*HH\n
 *   $A,<COMMAND>[,<detail>]*HH\n             a command was accepted
 *   $E,<COMMAND>,<reason>*HH\n               a command was refused
 *   HH = XOR of every byte strictly between '$' and '*', two upper-case hex digits.
 *
 * Every msp_* function returns the length written (terminating '\n' included, plus a NUL after
 * it that is not counted), or 0 when the buffer is too small (nothing useful is written then).
 *
 * Licence: Apache-2.0 (as Motor Station).
 */
#ifndef MSP_LINE_H
#define MSP_LINE_H

#include <stddef.h>
#include <stdint.h>

#define MSP_VERSION 1
#define MSP_MAX_LINE 256

#ifdef __cplusplus
extern "C" {
#endif

enum msp_command { MSP_CMD_NONE = 0, MSP_CMD_ID, MSP_CMD_START, MSP_CMD_STOP, MSP_CMD_TARE, MSP_CMD_RATE, MSP_CMD_UNKNOWN };

/* A bounded writer: all msp_put_* calls are no-ops once the buffer overflowed. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    uint8_t overflow;
} msp_writer;

static inline void msp_writer_init(msp_writer *w, char *buf, size_t cap) {
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = (uint8_t)(cap < 2);
}

static inline void msp_put_char(msp_writer *w, char c) {
    if (w->overflow) return;
    if (w->len + 2 > w->cap) { /* keep room for the NUL */
        w->overflow = 1;
        return;
    }
    w->buf[w->len++] = c;
}

static inline void msp_put_str(msp_writer *w, const char *s) {
    while (*s) msp_put_char(w, *s++);
}

static inline void msp_put_u32(msp_writer *w, uint32_t v) {
    char tmp[10];
    uint8_t n = 0;
    do {
        tmp[n++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v);
    while (n) msp_put_char(w, tmp[--n]);
}

/* value / 10^decimals with exactly `decimals` digits after the point (decimals <= 9). */
static inline void msp_put_fixed(msp_writer *w, int32_t value, uint8_t decimals) {
    uint32_t mag, scale = 1, ip, fp;
    uint8_t i;
    if (value < 0) {
        msp_put_char(w, '-');
        mag = (uint32_t)(-(value + 1)) + 1u; /* no overflow for INT32_MIN */
    } else {
        mag = (uint32_t)value;
    }
    for (i = 0; i < decimals; i++) scale *= 10u;
    ip = mag / scale;
    fp = mag % scale;
    msp_put_u32(w, ip);
    if (decimals) {
        char tmp[9];
        msp_put_char(w, '.');
        for (i = 0; i < decimals; i++) {
            tmp[decimals - 1 - i] = (char)('0' + (fp % 10u));
            fp /= 10u;
        }
        for (i = 0; i < decimals; i++) msp_put_char(w, tmp[i]);
    }
}

static inline uint8_t msp_checksum(const char *s, size_t n) {
    uint8_t c = 0;
    size_t i;
    for (i = 0; i < n; i++) c ^= (uint8_t)s[i];
    return c;
}

/* Close a line started with '$': append *HH\n and a NUL; returns the length or 0. */
static inline size_t msp_finish(msp_writer *w) {
    static const char hex[] = "0123456789ABCDEF";
    uint8_t c;
    if (w->overflow || w->len < 1) return 0;
    c = msp_checksum(w->buf + 1, w->len - 1);
    msp_put_char(w, '*');
    msp_put_char(w, hex[c >> 4]);
    msp_put_char(w, hex[c & 15]);
    msp_put_char(w, '\n');
    if (w->overflow) return 0;
    w->buf[w->len] = '\0';
    return w->len;
}

/* $D,<seq>,<t_us>,<v1>,...*HH  values[i] / 10^decimals in the unit the hello line announced. */
static inline size_t msp_sample(char *buf, size_t cap, uint32_t seq, uint32_t t_us, const int32_t *values,
                                uint8_t n_values, uint8_t decimals) {
    msp_writer w;
    uint8_t i;
    msp_writer_init(&w, buf, cap);
    msp_put_str(&w, "$D,");
    msp_put_u32(&w, seq);
    msp_put_char(&w, ',');
    msp_put_u32(&w, t_us);
    for (i = 0; i < n_values; i++) {
        msp_put_char(&w, ',');
        msp_put_fixed(&w, values[i], decimals);
    }
    return msp_finish(&w);
}

/* The hello line. channels/units/full_scale are ';'-separated lists ("tl;tr;bl;br"); full_scale may be NULL. */
static inline size_t msp_hello(char *buf, size_t cap, const char *kind, const char *model, const char *serial,
                               const char *firmware, uint32_t rate_hz, const char *channels, const char *units,
                               const char *full_scale) {
    msp_writer w;
    msp_writer_init(&w, buf, cap);
    msp_put_str(&w, "$H,msp=");
    msp_put_u32(&w, MSP_VERSION);
    msp_put_str(&w, ",kind=");
    msp_put_str(&w, kind);
    msp_put_str(&w, ",model=");
    msp_put_str(&w, model);
    msp_put_str(&w, ",serial=");
    msp_put_str(&w, serial);
    msp_put_str(&w, ",fw=");
    msp_put_str(&w, firmware);
    msp_put_str(&w, ",rate=");
    msp_put_u32(&w, rate_hz);
    msp_put_str(&w, ",ch=");
    msp_put_str(&w, channels);
    msp_put_str(&w, ",unit=");
    msp_put_str(&w, units);
    if (full_scale) {
        msp_put_str(&w, ",fs=");
        msp_put_str(&w, full_scale);
    }
    return msp_finish(&w);
}

/* $A,<command>[,<detail>] (ok != 0) or $E,<command>,<detail> (ok == 0); detail may be NULL. */
static inline size_t msp_reply(char *buf, size_t cap, uint8_t ok, const char *command, const char *detail) {
    msp_writer w;
    msp_writer_init(&w, buf, cap);
    msp_put_str(&w, ok ? "$A," : "$E,");
    msp_put_str(&w, command);
    if (detail) {
        msp_put_char(&w, ',');
        msp_put_str(&w, detail);
    }
    return msp_finish(&w);
}

/* A plain-format line: <prefix><value>\n (prefix 0 for none), e.g. "N12.34\n". */
static inline size_t msp_plain(char *buf, size_t cap, char prefix, int32_t value, uint8_t decimals) {
    msp_writer w;
    msp_writer_init(&w, buf, cap);
    if (prefix) msp_put_char(&w, prefix);
    msp_put_fixed(&w, value, decimals);
    msp_put_char(&w, '\n');
    if (w.overflow) return 0;
    w.buf[w.len] = '\0';
    return w.len;
}

static inline char msp_upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c; }

static inline uint8_t msp_word_is(const char *s, size_t n, const char *word) {
    size_t i = 0;
    for (; i < n && word[i]; i++)
        if (msp_upper(s[i]) != word[i]) return 0;
    return (uint8_t)(i == n && word[i] == '\0');
}

/* Parse one host command line (without its '\n'); *arg receives RATE's integer argument. */
static inline enum msp_command msp_parse_command(const char *line, size_t n, uint32_t *arg) {
    size_t i = 0, start, end;
    while (i < n && (line[i] == ' ' || line[i] == '\r')) i++;
    start = i;
    while (i < n && line[i] != ' ' && line[i] != '\r') i++;
    end = i;
    if (end == start) return MSP_CMD_NONE;
    if (msp_word_is(line + start, end - start, "ID")) return MSP_CMD_ID;
    if (msp_word_is(line + start, end - start, "START")) return MSP_CMD_START;
    if (msp_word_is(line + start, end - start, "STOP")) return MSP_CMD_STOP;
    if (msp_word_is(line + start, end - start, "TARE")) return MSP_CMD_TARE;
    if (msp_word_is(line + start, end - start, "RATE")) {
        uint32_t v = 0;
        uint8_t digits = 0;
        while (i < n && line[i] == ' ') i++;
        while (i < n && line[i] >= '0' && line[i] <= '9') {
            v = v * 10u + (uint32_t)(line[i++] - '0');
            digits++;
        }
        if (!digits) return MSP_CMD_UNKNOWN;
        if (arg) *arg = v;
        return MSP_CMD_RATE;
    }
    return MSP_CMD_UNKNOWN;
}

#ifdef __cplusplus
}
#endif

#endif /* MSP_LINE_H */
