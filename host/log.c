/*
 * Leveled logging to stderr or syslog.
 *
 * A stderr line reads
 *   2026-12-04T21:15:00.123Z error host: plugin /x/y.so rejected: ...
 * with an ISO 8601 UTC timestamp in milliseconds, the level name, the
 * component ("host", "coap" or a plugin name) and the message. Syslog adds
 * its own timestamp, so only "component: message" goes there. Control
 * characters in a message are replaced by '?' so that text taken from
 * input cannot forge a second line.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "internal.h"

/* Longest message body kept; longer ones are cut and end in "...". */
#define LOG_MAX_MESSAGE 2048

enum log_sink {
  SINK_STDERR = 0,
  SINK_SYSLOG = 1,
};

static enum log_sink log_sink = SINK_STDERR;
static int log_max_level = GKDC_LOG_INFO;
static gkdc_log_hook_fn log_hook;
static void *log_hook_arg;

static const struct {
  const char *name;
  int level;
} level_names[] = {
    {"error", GKDC_LOG_ERR},   {"warning", GKDC_LOG_WARNING},
    {"notice", GKDC_LOG_NOTICE}, {"info", GKDC_LOG_INFO},
    {"debug", GKDC_LOG_DEBUG},
};

#define LEVEL_COUNT (sizeof(level_names) / sizeof(level_names[0]))

int gkdc_log_level_from_name(const char *name, int *level) {
  size_t i;

  if (name == NULL)
    return 0;
  for (i = 0; i < LEVEL_COUNT; i++) {
    if (strcmp(level_names[i].name, name) == 0) {
      *level = level_names[i].level;
      return 1;
    }
  }
  return 0;
}

const char *gkdc_log_level_name(int level) {
  size_t i;

  for (i = 0; i < LEVEL_COUNT; i++) {
    if (level_names[i].level == level)
      return level_names[i].name;
  }
  return level < GKDC_LOG_ERR ? "error" : "debug";
}

int gkdc_log_open(const char *sink, int level) {
  enum log_sink new_sink;

  if (sink == NULL || strcmp(sink, "stderr") == 0)
    new_sink = SINK_STDERR;
  else if (strcmp(sink, "syslog") == 0)
    new_sink = SINK_SYSLOG;
  else
    return 0;

  gkdc_log_close();
  if (new_sink == SINK_SYSLOG)
    openlog("gkdc", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  log_sink = new_sink;
  log_max_level = level;
  return 1;
}

void gkdc_log_close(void) {
  if (log_sink == SINK_SYSLOG)
    closelog();
  log_sink = SINK_STDERR;
}

void gkdc_log_set_level(int level) { log_max_level = level; }

void gkdc_log_set_hook(gkdc_log_hook_fn fn, void *arg) {
  log_hook = fn;
  log_hook_arg = arg;
}

int gkdc_log_enabled(int level) { return level <= log_max_level; }

/* Writes the current UTC time as 2026-12-04T21:15:00.123Z. */
static void format_timestamp(char *buf, size_t cap) {
  struct timespec ts;
  struct tm tm;
  size_t n;

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* Replaces control characters (including newlines) with '?'. */
static void sanitize(char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;

    if (c < 0x20 || c == 0x7f)
      *s = '?';
  }
}

void gkdc_vlog(int level, const char *who, const char *fmt, va_list ap) {
  char msg[LOG_MAX_MESSAGE];
  char stamp[40];
  int n;

  if (!gkdc_log_enabled(level))
    return;
  if (who == NULL)
    who = "host";

  n = vsnprintf(msg, sizeof(msg), fmt, ap);
  if (n < 0)
    snprintf(msg, sizeof(msg), "(message formatting failed)");
  else if ((size_t)n >= sizeof(msg))
    memcpy(msg + sizeof(msg) - 4, "...", 4);
  sanitize(msg);

  if (log_hook != NULL)
    log_hook(log_hook_arg, level, who, msg);

  if (log_sink == SINK_SYSLOG) {
    syslog(level, "%s: %s", who, msg);
    return;
  }
  format_timestamp(stamp, sizeof(stamp));
  fprintf(stderr, "%s %s %s: %s\n", stamp, gkdc_log_level_name(level), who, msg);
}

void gkdc_log(int level, const char *who, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  gkdc_vlog(level, who, fmt, ap);
  va_end(ap);
}

/*
 * libcoap 4.3.1 dumps a message as a header line "v:1 t:CON c:POST i:1234
 * {token} [ options ] :: PAYLOAD", where PAYLOAD is the text in quotes or
 * "binary data length N". A binary payload follows as two lines that start
 * with "<<" (hex, then characters).
 */
#define COAP_PAYLOAD_SEPARATOR " :: "
#define COAP_BINARY_PAYLOAD "binary data length "

/*
 * libcoap warns about every malformed datagram without naming its sender,
 * so any peer could fill the log. At most MALFORMED_BURST such lines per
 * MALFORMED_WINDOW_S seconds reach the log; the first line after a window
 * counts the ones left out.
 */
#define MALFORMED_BURST 20
#define MALFORMED_WINDOW_S 60

static int is_malformed_message_line(const char *message) {
  return strncmp(message, "coap_pdu_parse: ", 16) == 0 ||
         strncmp(message, "discard malformed PDU", 21) == 0;
}

/* Returns 1 when a line about a malformed datagram may be logged now. */
static int malformed_line_allowed(int level) {
  static time_t window_start;
  static unsigned logged, dropped;
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  if (window_start == 0 || now.tv_sec - window_start >= MALFORMED_WINDOW_S) {
    if (dropped > 0)
      gkdc_log(level, "coap", "%u more libcoap lines about malformed messages were "
               "left out in %d s", dropped, MALFORMED_WINDOW_S);
    window_start = now.tv_sec != 0 ? now.tv_sec : 1;
    logged = 0;
    dropped = 0;
  }
  if (logged < MALFORMED_BURST) {
    logged++;
    return 1;
  }
  dropped++;
  return 0;
}

void gkdc_log_libcoap(int level, const char *message) {
  size_t len = message != NULL ? strlen(message) : 0;
  const char *payload;

  if (level <= GKDC_LOG_ERR)
    level = GKDC_LOG_ERR;
  else if (level >= GKDC_LOG_DEBUG)
    level = GKDC_LOG_DEBUG;

  /* libcoap's lines end in a newline; gkdc's do not. */
  while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == '\r'))
    len--;
  if (len == 0)
    return;

  /* The hex and text lines of a binary payload. */
  if (len >= 2 && message[0] == '<' && message[1] == '<')
    return;

  if (is_malformed_message_line(message) && !malformed_line_allowed(level))
    return;

  payload = strncmp(message, "v:", 2) == 0 ? strstr(message, COAP_PAYLOAD_SEPARATOR) : NULL;
  if (payload != NULL && (size_t)(payload - message) < len) {
    size_t head_len = (size_t)(payload - message);
    const char *rest = payload + strlen(COAP_PAYLOAD_SEPARATOR);

    if (strncmp(rest, COAP_BINARY_PAYLOAD, strlen(COAP_BINARY_PAYLOAD)) == 0)
      gkdc_log(level, "coap", "%.*s", (int)len, message);
    else
      gkdc_log(level, "coap", "%.*s" COAP_PAYLOAD_SEPARATOR "text payload not logged",
               (int)head_len, message);
    return;
  }
  gkdc_log(level, "coap", "%.*s", (int)len, message);
}
