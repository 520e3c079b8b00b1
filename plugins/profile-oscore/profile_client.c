/*
 * The client side of the OSCORE profile (RFC 9203), for a joining node:
 * the token upload to /authz-info with nonce1 and the client's Recipient
 * ID, the context derivation from the 2.01 response, and protected
 * requests.
 */
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

#include "profile_internal.h"

/* nonce1 length; RFC 9203 recommends 64 random bits. */
#define NONCE1_LEN 8

struct gkdc_profile_client {
  struct gkdc_profile_client *next; /* in profile_state.clients */
  struct profile_state *ps;
  const struct gkdc_crypto *cx;
  uint8_t *token;
  size_t token_len;
  uint8_t *osc; /* the encoded input material, copied from the AS's cnf */
  size_t osc_len;
  struct gkdc_oscore_input_material material; /* views into osc */
  uint8_t nonce1[NONCE1_LEN];
  int nonce1_set;
  uint8_t id1; /* the client's Recipient ID: one byte, h'00' */
  struct gkdc_oscore_ctx *ctx;
};


static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
  uint8_t *q = malloc(len > 0 ? len : 1);

  if (q != NULL && len > 0)
    memcpy(q, p, len);
  return q;
}

void profile_client_free(void *st, gkdc_profile_client *c)
{
  struct profile_state *ps = st;
  struct gkdc_profile_client **link;

  if (c == NULL)
    return;
  for (link = &ps->clients; *link != NULL; link = &(*link)->next) {
    if (*link == c) {
      *link = c->next;
      break;
    }
  }
  gkdc_oscore_ctx_free(c->ctx);
  free(c->token);
  if (c->osc != NULL)
    gkdc_wipe(c->osc, c->osc_len);
  free(c->osc);
  gkdc_wipe(c, sizeof(*c));
  free(c);
}

int profile_client_new(void *st, const struct gkdc_profile_client_args *args,
                       gkdc_profile_client **out)
{
  struct profile_state *ps = st;
  struct gkdc_profile_client *c;
  struct gkdc_bytes osc;

  if (args->access_token.len == 0 ||
      gkdc_oscore_cnf_osc(args->cnf.ptr, args->cnf.len, &osc) != GKDC_OSCORE_OK)
    return 0;

  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return 0;
  c->cx = GKDC_HAS_OP(ps->host, crypto_get0) ? ps->host->crypto_get0() : NULL;
  c->token = dup_bytes(args->access_token.ptr, args->access_token.len);
  c->token_len = args->access_token.len;
  c->osc = dup_bytes(osc.ptr, osc.len);
  c->osc_len = osc.len;
  if (c->cx == NULL || c->token == NULL || c->osc == NULL ||
      gkdc_oscore_input_material_parse(c->osc, c->osc_len, &c->material) != GKDC_OSCORE_OK) {
    profile_client_free(st, c);
    return 0;
  }
  c->ps = ps;
  c->next = ps->clients;
  ps->clients = c;
  *out = c;
  return 1;
}

enum gkdc_oscore_status profile_client_find(const struct profile_state *ps,
                                            const struct gkdc_coap_msg *request,
                                            struct gkdc_oscore_ctx **out)
{
  const struct gkdc_coap_option *o = gkdc_oscore_msg_find(request, GKDC_OPT_OSCORE);
  const struct gkdc_profile_client *c;
  struct gkdc_oscore_option opt;

  if (o == NULL || gkdc_oscore_option_decode(o->value.ptr, o->value.len, &opt) !=
                       GKDC_OSCORE_OK || !opt.has_kid)
    return GKDC_OSCORE_ERR_NO_CONTEXT;
  for (c = ps->clients; c != NULL; c = c->next) {
    const struct gkdc_oscore_ctx *ctx = c->ctx;

    if (ctx == NULL || ctx->recipient_id_len != opt.kid.len ||
        (opt.kid.len > 0 && memcmp(ctx->recipient_id, opt.kid.ptr, opt.kid.len) != 0))
      continue;
    if (opt.has_kid_context &&
        (!ctx->has_id_context || ctx->id_context_len != opt.kid_context.len ||
         memcmp(ctx->id_context, opt.kid_context.ptr, opt.kid_context.len) != 0))
      continue;
    *out = c->ctx;
    return GKDC_OSCORE_OK;
  }
  return GKDC_OSCORE_ERR_NO_CONTEXT;
}

int profile_client_authz_info_request(void *st, gkdc_profile_client *c,
                                      const uint8_t *extra, size_t extra_len,
                                      size_t extra_count, uint8_t *out, size_t *out_len)
{
  struct gkdc_cbor_enc e;
  size_t mark;

  (void)st;
  if (!gkdc_crypto_random(c->cx, c->nonce1, sizeof(c->nonce1)))
    return 0;
  c->nonce1_set = 1;
  c->id1 = 0x00;

  /* {1: token, 40: nonce1, 43: ID1, the caller's pairs}, sorted. */
  gkdc_cbor_enc_init(&e, out, *out_len);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ACCESS_TOKEN_KEY);
  gkdc_cbor_enc_put_bstr(&e, c->token, c->token_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_NONCE1_KEY);
  gkdc_cbor_enc_put_bstr(&e, c->nonce1, sizeof(c->nonce1));
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_CLIENT_RECIPIENTID_KEY);
  gkdc_cbor_enc_put_bstr(&e, &c->id1, 1);
  if (extra_count > 0)
    gkdc_cbor_enc_put_raw(&e, extra, extra_len);
  gkdc_cbor_enc_map_end(&e, mark, 3 + extra_count);
  return gkdc_cbor_enc_finish(&e, out_len) == GKDC_CBOR_OK;
}

int profile_client_authz_info_response(void *st, gkdc_profile_client *c,
                                       const uint8_t *payload, size_t len)
{
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes nonce1, nonce2, id1, id2;
  struct gkdc_oscore_ctx *ctx;

  (void)st;
  if (!c->nonce1_set || c->ctx != NULL)
    return 0;
  if (gkdc_cbor_dec_init(&d, payload, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_NONCE2_KEY, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &nonce2) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_SERVER_RECIPIENTID_KEY, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &id2) || nonce2.len == 0)
    return 0;

  /* The client aborts when a parameter is missing or ID2 equals ID1
   * (gkdc_oscore_ace_derive() checks the latter). */
  nonce1.ptr = c->nonce1;
  nonce1.len = sizeof(c->nonce1);
  id1.ptr = &c->id1;
  id1.len = 1;
  ctx = gkdc_oscore_ace_derive(c->cx, &c->material, nonce1, nonce2, id1, id2,
                               GKDC_OSCORE_ACE_CLIENT);
  if (ctx == NULL)
    return 0;
  c->ctx = ctx;
  return 1;
}

int profile_client_protect_request(void *st, gkdc_profile_client *c,
                                   const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                   uint8_t *buf, size_t cap, gkdc_profile_binding **b)
{
  struct gkdc_profile_binding *binding;

  (void)st;
  if (c->ctx == NULL)
    return 0;
  binding = calloc(1, sizeof(*binding));
  if (binding == NULL)
    return 0;
  if (gkdc_oscore_protect_request(c->ctx, in, 0, out, buf, cap, &binding->req) !=
      GKDC_OSCORE_OK) {
    free(binding);
    return 0;
  }
  *b = binding;
  return 1;
}

int profile_client_unprotect_response(void *st, gkdc_profile_client *c,
                                      gkdc_profile_binding *b, const struct gkdc_coap_msg *in,
                                      struct gkdc_coap_msg *out, uint8_t *buf, size_t cap)
{
  (void)st;
  if (c->ctx == NULL || b == NULL || b->server)
    return 0;

  switch (gkdc_oscore_response_classify(in)) {
  case GKDC_OSCORE_RESPONSE_PROTECTED:
    return gkdc_oscore_unprotect_response(c->ctx, in, out, buf, cap, &b->req) ==
           GKDC_OSCORE_OK;
  case GKDC_OSCORE_RESPONSE_OSCORE_ERROR:
    /* The server's OSCORE layer rejected the request (4.00, 4.01, 4.02). */
    *out = *in;
    return 1;
  default:
    /* Empty messages are the CoAP layer's; anything else unprotected is
     * dropped. */
    return 0;
  }
}

void profile_binding_release(void *st, gkdc_profile_binding *b)
{
  (void)st;
  free(b);
}
