/*
 * OSCORE replay protection of requests (RFC 8613 section 7.4): a sliding
 * window in the style of RFC 6347 section 4.1.2.6, and its recovery after
 * the state was lost (Appendix B.1.2).
 */
#include <string.h>

#include "oscore.h"

int gkdc_oscore_replay_init(struct gkdc_oscore_replay *w, uint32_t size)
{
  if (size == 0)
    size = GKDC_OSCORE_REPLAY_WINDOW_DEFAULT;
  if (size > GKDC_OSCORE_REPLAY_WINDOW_MAX)
    return 0;
  memset(w, 0, sizeof(*w));
  w->state = GKDC_OSCORE_REPLAY_EMPTY;
  w->size = size;
  return 1;
}

enum gkdc_oscore_replay_result
gkdc_oscore_replay_check(const struct gkdc_oscore_replay *w, uint64_t seq)
{
  uint64_t offset;

  if (seq > GKDC_OSCORE_MAX_SSN)
    return GKDC_OSCORE_REPLAY_INVALID;

  switch (w->state) {
  case GKDC_OSCORE_REPLAY_EMPTY:
    return GKDC_OSCORE_REPLAY_OK;
  case GKDC_OSCORE_REPLAY_ACTIVE:
    break;
  default:
    return GKDC_OSCORE_REPLAY_NOSYNC;
  }

  if (seq > w->highest)
    return GKDC_OSCORE_REPLAY_OK;

  /* At or below the highest: inside the window and not yet seen. */
  offset = w->highest - seq;
  if (offset >= w->size)
    return GKDC_OSCORE_REPLAY_REPLAY;
  if (w->seen & (UINT64_C(1) << offset))
    return GKDC_OSCORE_REPLAY_REPLAY;
  return GKDC_OSCORE_REPLAY_OK;
}

/* The bits of a window of `size` sequence numbers. */
static uint64_t window_mask(uint32_t size)
{
  return size >= 64 ? UINT64_MAX : (UINT64_C(1) << size) - 1;
}

int gkdc_oscore_replay_update(struct gkdc_oscore_replay *w, uint64_t seq)
{
  uint64_t shift;

  if (gkdc_oscore_replay_check(w, seq) != GKDC_OSCORE_REPLAY_OK)
    return 0;

  if (w->state == GKDC_OSCORE_REPLAY_EMPTY) {
    w->state = GKDC_OSCORE_REPLAY_ACTIVE;
    w->highest = seq;
    w->seen = 1;
    return 1;
  }

  if (seq > w->highest) {
    shift = seq - w->highest;
    w->seen = shift >= 64 ? 0 : w->seen << shift;
    w->seen |= 1;
    w->seen &= window_mask(w->size);
    w->highest = seq;
    return 1;
  }

  w->seen |= UINT64_C(1) << (w->highest - seq);
  return 1;
}

void gkdc_oscore_replay_export(const struct gkdc_oscore_replay *w,
                               struct gkdc_oscore_replay *out)
{
  *out = *w;
}

int gkdc_oscore_replay_restore(struct gkdc_oscore_replay *w,
                               const struct gkdc_oscore_replay *saved, int exact)
{
  uint32_t size = saved->size ? saved->size : GKDC_OSCORE_REPLAY_WINDOW_DEFAULT;

  if (size > GKDC_OSCORE_REPLAY_WINDOW_MAX)
    return 0;

  if (!exact) {
    /* A possibly stale snapshot proves nothing about what came after it. */
    memset(w, 0, sizeof(*w));
    w->size = size;
    w->state = GKDC_OSCORE_REPLAY_UNSYNCED;
    return 1;
  }

  if (saved->state > GKDC_OSCORE_REPLAY_UNSYNCED)
    return 0;
  if (saved->state == GKDC_OSCORE_REPLAY_ACTIVE &&
      (saved->highest > GKDC_OSCORE_MAX_SSN || (saved->seen & 1) == 0 ||
       (saved->seen & ~window_mask(size)) != 0))
    return 0;

  *w = *saved;
  w->size = size;
  return 1;
}

int gkdc_oscore_replay_resync(struct gkdc_oscore_replay *w, uint64_t seq)
{
  if (seq > GKDC_OSCORE_MAX_SSN)
    return 0;

  /* `seq` is the lower limit: it is taken now, every lower number is old.
   * Marking the whole window as seen rejects the numbers below it. */
  w->state = GKDC_OSCORE_REPLAY_ACTIVE;
  w->highest = seq;
  w->seen = window_mask(w->size);
  return 1;
}

int gkdc_oscore_replay_encode(const struct gkdc_oscore_replay *w,
                              uint8_t out[GKDC_OSCORE_REPLAY_STATE_LEN])
{
  size_t i;

  if (w->state > GKDC_OSCORE_REPLAY_UNSYNCED || w->size > GKDC_OSCORE_REPLAY_WINDOW_MAX)
    return 0;
  out[0] = 1; /* format version */
  out[1] = (uint8_t)w->state;
  out[2] = (uint8_t)w->size;
  for (i = 0; i < 8; i++) {
    out[3 + i] = (uint8_t)(w->highest >> (56 - 8 * i));
    out[11 + i] = (uint8_t)(w->seen >> (56 - 8 * i));
  }
  return 1;
}

int gkdc_oscore_replay_decode(const uint8_t *in, size_t len, struct gkdc_oscore_replay *out)
{
  struct gkdc_oscore_replay w;
  size_t i;

  if (len != GKDC_OSCORE_REPLAY_STATE_LEN || in[0] != 1)
    return 0;
  memset(&w, 0, sizeof(w));
  w.state = in[1];
  w.size = in[2];
  for (i = 0; i < 8; i++) {
    w.highest = (w.highest << 8) | in[3 + i];
    w.seen = (w.seen << 8) | in[11 + i];
  }
  if (w.state > GKDC_OSCORE_REPLAY_UNSYNCED || w.size == 0 ||
      w.size > GKDC_OSCORE_REPLAY_WINDOW_MAX)
    return 0;
  *out = w;
  return 1;
}
