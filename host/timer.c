/*
 * Timers on the event loop. The main loop takes from gkdc_timer_next_delay()
 * how long it may wait in coap_io_process() and calls gkdc_timer_run_due()
 * after each wait, so callbacks run on the event-loop thread between two
 * rounds of CoAP processing and may call every host function.
 *
 * Deadlines use CLOCK_MONOTONIC, so changes of the wall clock move no timer.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "coap_glue.h"

/* Upper bound of callbacks in one gkdc_timer_run_due() call, so that timers
 * that keep re-arming with a zero delay cannot starve CoAP processing. */
#define MAX_CALLBACKS_PER_ROUND 64

struct gkdc_timer {
  uint64_t id;
  gkdc_plugin *owner;
  uint64_t deadline_ms;
  uint64_t period_ms; /* 0 for a one-shot timer */
  gkdc_timer_fn fn;
  void *arg;
  struct gkdc_timer *next;
};

static struct gkdc_timer *timers;
static uint64_t last_id;

uint64_t gkdc_timer_now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Adds a timer that calls fn(arg) after delay_ms milliseconds, and again
 * every delay_ms (at least 1 ms) when `repeat` is non-zero. Returns the
 * timer id (> 0), or 0 when fn is NULL or memory ran out.
 */
uint64_t gkdc_timer_add(gkdc_plugin *owner, uint64_t delay_ms, int repeat,
                        gkdc_timer_fn fn, void *arg) {
  struct gkdc_timer *t;

  if (fn == NULL)
    return 0;
  t = calloc(1, sizeof(*t));
  if (t == NULL) {
    GKDC_ERR("timer: out of memory");
    return 0;
  }

  if (delay_ms > UINT64_MAX / 2)
    delay_ms = UINT64_MAX / 2;
  t->id = ++last_id;
  t->owner = owner;
  t->deadline_ms = gkdc_timer_now_ms() + delay_ms;
  t->period_ms = 0;
  if (repeat)
    t->period_ms = delay_ms > 0 ? delay_ms : 1;
  t->fn = fn;
  t->arg = arg;

  t->next = timers;
  timers = t;
  return t->id;
}

/* Unlinks and frees every timer for which `match` is true. */
static void remove_matching(int (*match)(const struct gkdc_timer *, const void *),
                            const void *key) {
  struct gkdc_timer **link = &timers;

  while (*link != NULL) {
    struct gkdc_timer *t = *link;

    if (match(t, key)) {
      *link = t->next;
      free(t);
    } else {
      link = &t->next;
    }
  }
}

static int match_id(const struct gkdc_timer *t, const void *key) {
  return t->id == *(const uint64_t *)key;
}

static int match_owner(const struct gkdc_timer *t, const void *key) {
  return t->owner == (const gkdc_plugin *)key;
}

static int match_all(const struct gkdc_timer *t, const void *key) {
  return 1;
}

/* Cancels a timer; an unknown or already fired id is ignored. */
void gkdc_timer_cancel(uint64_t id) {
  if (id != 0)
    remove_matching(match_id, &id);
}

void gkdc_timer_cancel_owner(gkdc_plugin *owner) {
  remove_matching(match_owner, owner);
}

void gkdc_timer_cancel_all(void) {
  remove_matching(match_all, NULL);
}

uint64_t gkdc_timer_next_delay(void) {
  const struct gkdc_timer *t;
  uint64_t now = gkdc_timer_now_ms();
  uint64_t next = UINT64_MAX;

  for (t = timers; t != NULL; t = t->next) {
    uint64_t delay = t->deadline_ms > now ? t->deadline_ms - now : 0;

    if (delay < next)
      next = delay;
  }
  return next;
}

/* The due timer with the earliest deadline, or NULL. */
static struct gkdc_timer *earliest_due(uint64_t now) {
  struct gkdc_timer *t, *best = NULL;

  for (t = timers; t != NULL; t = t->next) {
    if (t->deadline_ms <= now && (best == NULL || t->deadline_ms < best->deadline_ms))
      best = t;
  }
  return best;
}

void gkdc_timer_run_due(void) {
  int round;

  for (round = 0; round < MAX_CALLBACKS_PER_ROUND; round++) {
    uint64_t now = gkdc_timer_now_ms();
    struct gkdc_timer *t = earliest_due(now);
    gkdc_timer_fn fn;
    void *arg;

    if (t == NULL)
      break;
    fn = t->fn;
    arg = t->arg;

    /* Re-arm or remove before the call: the callback may cancel its own
     * timer or add new ones. */
    if (t->period_ms > 0)
      t->deadline_ms = now + t->period_ms;
    else
      gkdc_timer_cancel(t->id);

    fn(arg);
  }
}
