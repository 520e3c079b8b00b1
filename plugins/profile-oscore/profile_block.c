/*
 * Outer Block1 of OSCORE requests (RFC 8613 section 4.1.3.4.2, RFC 7959):
 * a protected request too large for one datagram comes in blocks of its
 * ciphertext, each carrying the same OSCORE option. The blocks are put
 * together here, and only the whole message is unprotected, so the inner
 * payload may have any size up to PROFILE_BLOCK1_MAX.
 *
 * One transfer at a time is kept (the last one started wins); a block out
 * of order gets 4.08, a body over the limit 4.13, each unprotected.
 */
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

#define OPT_BLOCK1 27
#define OPT_SIZE1 60

/* A transfer not continued within this time is dropped (EXCHANGE_LIFETIME
 * of RFC 7252 is longer; a block-wise client sends the next block at once). */
#define BLOCK1_IDLE_MS 30000

struct profile_block1 {
  char peer[64];
  uint8_t oscore[GKDC_OSCORE_MAX_OPTION_LEN];
  size_t oscore_len;
  uint8_t *body;
  size_t len;
  uint32_t next_num;
  uint64_t last_ms;
};

void profile_block1_free(struct profile_block1 *b)
{
  if (b == NULL)
    return;
  if (b->body != NULL)
    gkdc_wipe(b->body, b->len);
  free(b->body);
  free(b);
}

static const struct gkdc_coap_option *find_option(const struct gkdc_coap_msg *msg,
                                                  uint16_t number)
{
  size_t i;

  for (i = 0; i < msg->option_count; i++)
    if (msg->options[i].number == number)
      return &msg->options[i];
  return NULL;
}

/* Sends an unprotected reply to one block: 2.31 with its Block1 value,
 * or an error code without options. */
static void answer(struct profile_state *ps, gkdc_exchange *x, uint8_t code,
                   const struct gkdc_coap_option *block1)
{
  struct gkdc_coap_msg msg;

  memset(&msg, 0, sizeof(msg));
  msg.code = code;
  if (block1 != NULL) {
    msg.options[0] = *block1;
    msg.option_count = 1;
  }
  ps->host->exchange_reply(x, &msg);
}

static uint64_t mono_ms(const struct profile_state *ps)
{
  return GKDC_HAS_OP(ps->host, monotonic_ms) ? ps->host->monotonic_ms() : 0;
}

int profile_block1_take(struct profile_state *ps, gkdc_exchange *x,
                        const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer,
                        struct gkdc_coap_msg *whole)
{
  const struct gkdc_coap_option *b1 = find_option(msg, OPT_BLOCK1);
  const struct gkdc_coap_option *osc = find_option(msg, GKDC_OPT_OSCORE);
  const char *addr = peer != NULL && peer->address != NULL ? peer->address : "";
  struct profile_block1 *b = ps->block1;
  uint32_t v = 0, num;
  size_t i, size, more;
  uint8_t *grown;

  if (b1 == NULL)
    return PROFILE_BLOCK1_WHOLE;
  if (b1->value.len > 3 || osc == NULL || osc->value.len > sizeof(b->oscore)) {
    answer(ps, x, GKDC_CODE(4, 2), NULL);
    return PROFILE_BLOCK1_ANSWERED;
  }
  for (i = 0; i < b1->value.len; i++)
    v = (v << 8) | b1->value.ptr[i];
  num = v >> 4;
  more = (v >> 3) & 1;
  size = (size_t)16 << (v & 7);
  if ((v & 7) == 7 || (more && msg->payload.len != size) || msg->payload.len > size) {
    answer(ps, x, GKDC_CODE(4, 0), NULL);
    return PROFILE_BLOCK1_ANSWERED;
  }

  /* Block 0 starts a transfer; any other block must continue the one
   * from the same peer with the same OSCORE option. */
  if (b != NULL && mono_ms(ps) - b->last_ms > BLOCK1_IDLE_MS) {
    profile_block1_free(b);
    ps->block1 = b = NULL;
  }
  if (num == 0) {
    profile_block1_free(b);
    ps->block1 = b = calloc(1, sizeof(*b));
    if (b == NULL) {
      answer(ps, x, GKDC_CODE(5, 0), NULL);
      return PROFILE_BLOCK1_ANSWERED;
    }
    strncpy(b->peer, addr, sizeof(b->peer) - 1);
    memcpy(b->oscore, osc->value.ptr, osc->value.len);
    b->oscore_len = osc->value.len;
  } else if (b == NULL || b->next_num != num || strncmp(b->peer, addr, sizeof(b->peer) - 1) != 0 ||
             b->oscore_len != osc->value.len ||
             memcmp(b->oscore, osc->value.ptr, osc->value.len) != 0 ||
             b->len != (size_t)num * size) {
    answer(ps, x, GKDC_CODE(4, 8), NULL);
    return PROFILE_BLOCK1_ANSWERED;
  }

  if (b->len + msg->payload.len > PROFILE_BLOCK1_MAX) {
    profile_block1_free(b);
    ps->block1 = NULL;
    answer(ps, x, GKDC_CODE(4, 13), NULL);
    return PROFILE_BLOCK1_ANSWERED;
  }
  grown = malloc(b->len + msg->payload.len + 1);
  if (grown == NULL) {
    answer(ps, x, GKDC_CODE(5, 0), NULL);
    return PROFILE_BLOCK1_ANSWERED;
  }
  if (b->len > 0)
    memcpy(grown, b->body, b->len);
  if (msg->payload.len > 0)
    memcpy(grown + b->len, msg->payload.ptr, msg->payload.len);
  if (b->body != NULL)
    gkdc_wipe(b->body, b->len);
  free(b->body);
  b->body = grown;
  b->len += msg->payload.len;
  b->next_num = num + 1;
  b->last_ms = mono_ms(ps);

  if (more) {
    answer(ps, x, GKDC_CODE(2, 31), b1);
    return PROFILE_BLOCK1_ANSWERED;
  }

  /* The last block: the whole message without Block1 and Size1. */
  *whole = *msg;
  whole->option_count = 0;
  for (i = 0; i < msg->option_count; i++)
    if (msg->options[i].number != OPT_BLOCK1 && msg->options[i].number != OPT_SIZE1)
      whole->options[whole->option_count++] = msg->options[i];
  whole->payload.ptr = b->body;
  whole->payload.len = b->len;
  return PROFILE_BLOCK1_REASSEMBLED;
}

void profile_block1_done(struct profile_state *ps)
{
  profile_block1_free(ps->block1);
  ps->block1 = NULL;
}
