/*
 * Captures the host's log lines through gkdc_log_set_hook(), so that tests
 * can assert on the exact messages. Header-only; include it once per test
 * program.
 */
#ifndef GKDC_TEST_LOG_CAPTURE_H
#define GKDC_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define CAPTURE_MAX_LINES 64

struct captured_line {
  int level;
  char who[64];
  char msg[1024];
};

static struct captured_line captured[CAPTURE_MAX_LINES];
static size_t captured_count;

static inline void capture_hook(void *arg, int level, const char *who, const char *msg) {
  struct captured_line *line;

  (void)arg;
  if (captured_count >= CAPTURE_MAX_LINES)
    return;
  line = &captured[captured_count++];
  line->level = level;
  snprintf(line->who, sizeof(line->who), "%s", who);
  snprintf(line->msg, sizeof(line->msg), "%s", msg);
}

/* Forgets earlier lines and captures every level from now on. */
static inline void capture_start(void) {
  captured_count = 0;
  gkdc_log_set_level(GKDC_LOG_DEBUG);
  gkdc_log_set_hook(capture_hook, NULL);
}

/* Counts captured lines at `level` (any level when level is 0). */
static inline size_t capture_count_level(int level) {
  size_t i, n = 0;

  for (i = 0; i < captured_count; i++) {
    if (level == 0 || captured[i].level == level)
      n++;
  }
  return n;
}

/* Returns the first captured line at `level` that contains `text`, or NULL. */
static inline const struct captured_line *capture_find(int level, const char *text) {
  size_t i;

  for (i = 0; i < captured_count; i++) {
    if ((level == 0 || captured[i].level == level) && strstr(captured[i].msg, text) != NULL)
      return &captured[i];
  }
  return NULL;
}

/* Returns the index of the first line whose message is exactly `msg`, or -1. */
static inline int capture_index(const char *msg) {
  size_t i;

  for (i = 0; i < captured_count; i++) {
    if (strcmp(captured[i].msg, msg) == 0)
      return (int)i;
  }
  return -1;
}

#endif /* GKDC_TEST_LOG_CAPTURE_H */
