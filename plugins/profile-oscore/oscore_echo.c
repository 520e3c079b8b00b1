/*
 * Freshness with the Echo option after the replay window was lost
 * (RFC 8613 Appendix B.1.2, RFC 9175).
 */
#include <string.h>

#include "oscore.h"

void gkdc_oscore_echo_set(struct gkdc_oscore_ctx *ctx,
                          const uint8_t value[GKDC_OSCORE_ECHO_LEN])
{
  memcpy(ctx->echo, value, GKDC_OSCORE_ECHO_LEN);
  ctx->echo_set = 1;
}

enum gkdc_oscore_status gkdc_oscore_echo_resync(struct gkdc_oscore_ctx *ctx,
                                                const struct gkdc_coap_msg *inner,
                                                const struct gkdc_oscore_request *req)
{
  const struct gkdc_coap_option *echo;
  uint64_t seq;

  if (ctx->replay.state != GKDC_OSCORE_REPLAY_UNSYNCED)
    return GKDC_OSCORE_ERR_INVALID;
  if (!ctx->echo_set)
    return GKDC_OSCORE_ERR_UNSYNCED;

  echo = gkdc_oscore_msg_find(inner, GKDC_OPT_ECHO);
  if (echo == NULL || echo->value.len != GKDC_OSCORE_ECHO_LEN ||
      memcmp(echo->value.ptr, ctx->echo, GKDC_OSCORE_ECHO_LEN) != 0)
    return GKDC_OSCORE_ERR_UNSYNCED;
  if (!gkdc_oscore_piv_decode(req->piv, req->piv_len, &seq) ||
      !gkdc_oscore_replay_resync(&ctx->replay, seq))
    return GKDC_OSCORE_ERR_INVALID;

  /* The challenge is used up; a later loss needs a new one. */
  gkdc_wipe(ctx->echo, sizeof(ctx->echo));
  ctx->echo_set = 0;
  return GKDC_OSCORE_OK;
}

int gkdc_oscore_echo_response(const struct gkdc_oscore_ctx *ctx,
                              const struct gkdc_coap_msg *inner, struct gkdc_coap_msg *out)
{
  if (!ctx->echo_set)
    return 0;

  memset(out, 0, sizeof(*out));
  out->type = inner->type == GKDC_COAP_CON ? GKDC_COAP_ACK : GKDC_COAP_NON;
  out->code = GKDC_CODE(4, 1);
  out->mid = inner->mid;
  out->token_len = inner->token_len;
  memcpy(out->token, inner->token, inner->token_len);
  out->options[0].number = GKDC_OPT_ECHO;
  out->options[0].value.ptr = ctx->echo;
  out->options[0].value.len = GKDC_OSCORE_ECHO_LEN;
  out->option_count = 1;
  return 1;
}
