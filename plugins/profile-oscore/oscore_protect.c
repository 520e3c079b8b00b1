/*
 * OSCORE message protection (RFC 8613 sections 4, 5 and 8): splitting a
 * CoAP message into inner and outer parts, the AAD, sealing and opening,
 * and the request-response binding.
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "oscore.h"

/* Enough for ["Encrypt0", h'', bstr(aad_array)] with the longest kid and
 * Partial IV and an algorithm id of up to 5 bytes. */
#define AAD_MAX 64

static const char *const status_names[] = {
  [GKDC_OSCORE_OK] = "ok",
  [GKDC_OSCORE_ERR_BAD_OPTION] = "malformed OSCORE option",
  [GKDC_OSCORE_ERR_NO_CONTEXT] = "security context not found",
  [GKDC_OSCORE_ERR_REPLAY] = "replay detected",
  [GKDC_OSCORE_ERR_UNSYNCED] = "replay window not synchronized",
  [GKDC_OSCORE_ERR_DECRYPT] = "decryption failed",
  [GKDC_OSCORE_ERR_BAD_INNER] = "malformed inner message",
  [GKDC_OSCORE_ERR_SEQ_EXHAUSTED] = "sender sequence numbers exhausted",
  [GKDC_OSCORE_ERR_SEQ_PERSIST] = "sender sequence number not persisted yet",
  [GKDC_OSCORE_ERR_NOT_PROTECTED] = "message not OSCORE-protected",
  [GKDC_OSCORE_ERR_RESPONSE] = "response does not match the request",
  [GKDC_OSCORE_ERR_UNSUPPORTED] = "unsupported message feature",
  [GKDC_OSCORE_ERR_BUFFER] = "buffer too small",
  [GKDC_OSCORE_ERR_CRYPTO] = "crypto failure",
  [GKDC_OSCORE_ERR_INVALID] = "invalid argument",
};

const char *gkdc_oscore_status_str(enum gkdc_oscore_status status)
{
  if ((size_t)status >= sizeof(status_names) / sizeof(status_names[0]) ||
      status_names[status] == NULL)
    return "unknown status";
  return status_names[status];
}

int gkdc_oscore_error_response(enum gkdc_oscore_status status, uint8_t *code,
                               const char **diag)
{
  switch (status) {
  case GKDC_OSCORE_ERR_BAD_OPTION:
    *code = GKDC_CODE(4, 2);
    *diag = GKDC_OSCORE_DIAG_BAD_OPTION;
    return 1;
  case GKDC_OSCORE_ERR_NO_CONTEXT:
    *code = GKDC_CODE(4, 1);
    *diag = GKDC_OSCORE_DIAG_NO_CONTEXT;
    return 1;
  case GKDC_OSCORE_ERR_REPLAY:
  case GKDC_OSCORE_ERR_UNSYNCED:
    *code = GKDC_CODE(4, 1);
    *diag = GKDC_OSCORE_DIAG_REPLAY;
    return 1;
  case GKDC_OSCORE_ERR_DECRYPT:
  case GKDC_OSCORE_ERR_BAD_INNER:
    *code = GKDC_CODE(4, 0);
    *diag = GKDC_OSCORE_DIAG_DECRYPT;
    return 1;
  default:
    return 0;
  }
}

/* ---- AAD ---- */

int gkdc_oscore_aad_array_encode(int32_t aead_alg, const uint8_t *kid, size_t kid_len,
                                 const uint8_t *piv, size_t piv_len, uint8_t *out,
                                 size_t cap, size_t *len)
{
  size_t pos = 0;

  /* [ oscore_version: 1, algorithms: [alg_aead], request_kid, request_piv,
   *   options: h'' (no class I options are defined) ] */
  if (!gkdc_oscore_cbor_advance(cbor_encode_array_start(5, out, cap), &pos) ||
      !gkdc_oscore_cbor_advance(cbor_encode_uint(1, out + pos, cap - pos), &pos) ||
      !gkdc_oscore_cbor_advance(cbor_encode_array_start(1, out + pos, cap - pos), &pos))
    return 0;
  if (!gkdc_oscore_cbor_put_int(aead_alg, out, cap, &pos))
    return 0;
  if (!gkdc_oscore_cbor_put_bstr(kid, kid_len, out, cap, &pos) ||
      !gkdc_oscore_cbor_put_bstr(piv, piv_len, out, cap, &pos) ||
      !gkdc_oscore_cbor_put_bstr(NULL, 0, out, cap, &pos))
    return 0;

  *len = pos;
  return 1;
}

int gkdc_oscore_aad_encode(int32_t aead_alg, const uint8_t *kid, size_t kid_len,
                           const uint8_t *piv, size_t piv_len, uint8_t *out,
                           size_t cap, size_t *len)
{
  static const char context[] = "Encrypt0";
  uint8_t array[AAD_MAX];
  size_t array_len;
  size_t pos = 0;

  if (!gkdc_oscore_aad_array_encode(aead_alg, kid, kid_len, piv, piv_len, array,
                                    sizeof(array), &array_len))
    return 0;

  /* Enc_structure = [ "Encrypt0", protected: h'', external_aad: bstr ] */
  if (!gkdc_oscore_cbor_advance(cbor_encode_array_start(3, out, cap), &pos) ||
      !gkdc_oscore_cbor_advance(
          cbor_encode_string_start(sizeof(context) - 1, out + pos, cap - pos), &pos))
    return 0;
  if (cap - pos < sizeof(context) - 1)
    return 0;
  memcpy(out + pos, context, sizeof(context) - 1);
  pos += sizeof(context) - 1;
  if (!gkdc_oscore_cbor_put_bstr(NULL, 0, out, cap, &pos) ||
      !gkdc_oscore_cbor_put_bstr(array, array_len, out, cap, &pos))
    return 0;

  *len = pos;
  return 1;
}

/* ---- message helpers ---- */

static int append_option(struct gkdc_coap_option *opts, size_t *count, uint16_t number,
                         const uint8_t *ptr, size_t len)
{
  if (*count == GKDC_COAP_MAX_OPTIONS)
    return 0;
  opts[*count].number = number;
  opts[*count].value.ptr = ptr;
  opts[*count].value.len = len;
  (*count)++;
  return 1;
}

/* Merges two option lists, each sorted by number, keeping the order of
 * equal numbers (a before b). */
static int merge_options(const struct gkdc_coap_option *a, size_t na,
                         const struct gkdc_coap_option *b, size_t nb,
                         struct gkdc_coap_option *out, size_t *nout)
{
  size_t i = 0;
  size_t j = 0;
  size_t n = 0;

  if (na + nb > GKDC_COAP_MAX_OPTIONS)
    return 0;
  while (i < na || j < nb) {
    if (j == nb || (i < na && a[i].number <= b[j].number))
      out[n++] = a[i++];
    else
      out[n++] = b[j++];
  }
  *nout = n;
  return 1;
}

static int is_request_code(uint8_t code)
{
  return GKDC_CODE_CLASS(code) == 0 && GKDC_CODE_DETAIL(code) != 0;
}

static int is_response_code(uint8_t code)
{
  return GKDC_CODE_CLASS(code) >= 2 && GKDC_CODE_CLASS(code) <= 5;
}

/*
 * Splits the options of a plain message into inner (class E) and outer
 * (class U) lists. Observe goes to both: with its value in requests, with
 * an empty inner value in notifications. No-Response goes to both.
 */
static enum gkdc_oscore_status split_options(const struct gkdc_coap_msg *in,
                                             int notification,
                                             struct gkdc_coap_option *inner, size_t *ni,
                                             struct gkdc_coap_option *outer, size_t *no)
{
  size_t i;

  *ni = 0;
  *no = 0;
  for (i = 0; i < in->option_count; i++) {
    const struct gkdc_coap_option *o = &in->options[i];
    unsigned cls = gkdc_oscore_option_class(o->number);
    int ok = 1;

    if (o->number == GKDC_OPT_OSCORE)
      return GKDC_OSCORE_ERR_INVALID;
    /* A Proxy-Uri must be split into outer and inner parts first. */
    if (o->number == GKDC_OPT_PROXY_URI)
      return GKDC_OSCORE_ERR_UNSUPPORTED;

    if (o->number == GKDC_OPT_OBSERVE) {
      ok = append_option(inner, ni, o->number, notification ? NULL : o->value.ptr,
                         notification ? 0 : o->value.len) &&
           append_option(outer, no, o->number, o->value.ptr, o->value.len);
    } else if (o->number == GKDC_OPT_NO_RESPONSE) {
      ok = append_option(inner, ni, o->number, o->value.ptr, o->value.len) &&
           append_option(outer, no, o->number, o->value.ptr, o->value.len);
    } else if (cls & GKDC_OSCORE_CLASS_E) {
      /* Max-Age, Block1/2 and Size1/2 are end-to-end: inner only. */
      ok = append_option(inner, ni, o->number, o->value.ptr, o->value.len);
    } else {
      ok = append_option(outer, no, o->number, o->value.ptr, o->value.len);
    }
    if (!ok)
      return GKDC_OSCORE_ERR_BUFFER;
  }
  return GKDC_OSCORE_OK;
}

/* The cryptographic inputs of seal() and open_message(). */
struct crypt_args {
  const uint8_t *key;
  const uint8_t *nonce;
  const uint8_t *aad_kid; /* the request's kid and Partial IV */
  size_t aad_kid_len;
  const uint8_t *aad_piv;
  size_t aad_piv_len;
  const struct gkdc_oscore_option *option; /* seal: the option to send */
  uint8_t outer_code;                      /* seal: outer code */
  int notification;                        /* seal: an Observe notification */
  int request;                             /* open: the message is a request */
};

static void crypt_args_init(struct crypt_args *a, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad_kid, size_t aad_kid_len,
                            const uint8_t *aad_piv, size_t aad_piv_len)
{
  memset(a, 0, sizeof(*a));
  a->key = key;
  a->nonce = nonce;
  a->aad_kid = aad_kid;
  a->aad_kid_len = aad_kid_len;
  a->aad_piv = aad_piv;
  a->aad_piv_len = aad_piv_len;
}

/*
 * Builds the plaintext (code, inner options, payload), encrypts it into
 * `buf` after the OSCORE option value, and fills `out` with the outer
 * message. Changes no context state.
 */
static enum gkdc_oscore_status seal(const struct gkdc_oscore_ctx *ctx,
                                    const struct gkdc_coap_msg *in,
                                    const struct crypt_args *a, struct gkdc_coap_msg *out,
                                    uint8_t *buf, size_t cap)
{
  struct gkdc_coap_option inner[GKDC_COAP_MAX_OPTIONS];
  struct gkdc_coap_option outer[GKDC_COAP_MAX_OPTIONS];
  struct gkdc_coap_option oscore;
  uint8_t aad[AAD_MAX];
  size_t ni, no, aad_len, opt_len, inner_len, pt_len, ct_len;
  uint8_t *pt = NULL;
  enum gkdc_oscore_status st;

  st = split_options(in, a->notification, inner, &ni, outer, &no);
  if (st != GKDC_OSCORE_OK)
    return st;

  /* The OSCORE option value goes first in buf, the ciphertext after it. */
  if (!gkdc_oscore_option_encode(a->option, buf, cap, &opt_len))
    return GKDC_OSCORE_ERR_BUFFER;

  if (!gkdc_oscore_aad_encode(ctx->aead_alg, a->aad_kid, a->aad_kid_len, a->aad_piv,
                              a->aad_piv_len, aad, sizeof(aad), &aad_len))
    return GKDC_OSCORE_ERR_INVALID;

  /* Plaintext = Code | inner options | 0xff payload (marker only with a
   * payload). */
  if (!gkdc_oscore_options_encode(inner, ni, NULL, 0, &inner_len))
    return GKDC_OSCORE_ERR_INVALID;
  pt_len = 1 + inner_len + (in->payload.len > 0 ? 1 + in->payload.len : 0);
  if (cap - opt_len < pt_len + ctx->tag_len)
    return GKDC_OSCORE_ERR_BUFFER;
  pt = malloc(pt_len);
  if (pt == NULL)
    return GKDC_OSCORE_ERR_BUFFER;
  pt[0] = in->code;
  gkdc_oscore_options_encode(inner, ni, pt + 1, pt_len - 1, &inner_len);
  if (in->payload.len > 0) {
    pt[1 + inner_len] = 0xff;
    memcpy(pt + 2 + inner_len, in->payload.ptr, in->payload.len);
  }

  ct_len = cap - opt_len;
  if (!gkdc_crypto_aead_seal(ctx->cx, ctx->aead_alg, a->key, ctx->key_len, a->nonce,
                             ctx->nonce_len, aad, aad_len, pt, pt_len, buf + opt_len,
                             &ct_len)) {
    st = GKDC_OSCORE_ERR_CRYPTO;
    goto done;
  }

  /* Outer message: header, token, class U options with OSCORE in order. */
  oscore.number = GKDC_OPT_OSCORE;
  oscore.value.ptr = opt_len > 0 ? buf : NULL;
  oscore.value.len = opt_len;
  memset(out, 0, sizeof(*out));
  out->type = in->type;
  out->code = a->outer_code;
  out->mid = in->mid;
  out->token_len = in->token_len;
  memcpy(out->token, in->token, in->token_len);
  if (!merge_options(outer, no, &oscore, 1, out->options, &out->option_count)) {
    st = GKDC_OSCORE_ERR_BUFFER;
    goto done;
  }
  out->payload.ptr = buf + opt_len;
  out->payload.len = ct_len;
  st = GKDC_OSCORE_OK;

done:
  gkdc_wipe(pt, pt_len);
  free(pt);
  return st;
}

/*
 * Decrypts the payload of `in` into `buf` and builds `out`: the inner code,
 * the outer class U options (without OSCORE) merged with the inner options,
 * and the inner payload. Changes no context state.
 */
static enum gkdc_oscore_status open_message(const struct gkdc_oscore_ctx *ctx,
                                            const struct gkdc_coap_msg *in,
                                            const struct crypt_args *a,
                                            struct gkdc_coap_msg *out, uint8_t *buf,
                                            size_t cap)
{
  struct gkdc_coap_msg inner;
  struct gkdc_coap_option outer[GKDC_COAP_MAX_OPTIONS];
  uint8_t aad[AAD_MAX];
  size_t aad_len, pt_len, no = 0, i;

  if (in->payload.len < ctx->tag_len + 1)
    return a->request ? GKDC_OSCORE_ERR_BAD_OPTION : GKDC_OSCORE_ERR_RESPONSE;
  if (cap < in->payload.len)
    return GKDC_OSCORE_ERR_BUFFER;

  if (!gkdc_oscore_aad_encode(ctx->aead_alg, a->aad_kid, a->aad_kid_len, a->aad_piv,
                              a->aad_piv_len, aad, sizeof(aad), &aad_len))
    return GKDC_OSCORE_ERR_INVALID;

  pt_len = cap;
  if (!gkdc_crypto_aead_open(ctx->cx, ctx->aead_alg, a->key, ctx->key_len, a->nonce,
                             ctx->nonce_len, aad, aad_len, in->payload.ptr,
                             in->payload.len, buf, &pt_len))
    return GKDC_OSCORE_ERR_DECRYPT;

  /* Plaintext: code, then options and payload in CoAP format. */
  memset(&inner, 0, sizeof(inner));
  if (pt_len < 1 || !gkdc_oscore_options_decode(buf + 1, pt_len - 1, &inner))
    return GKDC_OSCORE_ERR_BAD_INNER;
  if (a->request ? !is_request_code(buf[0]) : !is_response_code(buf[0]))
    return GKDC_OSCORE_ERR_BAD_INNER;
  /* An OSCORE option inside the plaintext (nested OSCORE) is rejected. */
  if (gkdc_oscore_msg_find(&inner, GKDC_OPT_OSCORE) != NULL)
    return GKDC_OSCORE_ERR_BAD_INNER;

  /* Outer options that may be class E are discarded (step 1 of RFC 8613
   * sections 8.2 and 8.4); class U ones stay. */
  for (i = 0; i < in->option_count; i++) {
    const struct gkdc_coap_option *o = &in->options[i];

    if (o->number == GKDC_OPT_OSCORE || (gkdc_oscore_option_class(o->number) & GKDC_OSCORE_CLASS_E))
      continue;
    if (!append_option(outer, &no, o->number, o->value.ptr, o->value.len))
      return GKDC_OSCORE_ERR_BUFFER;
  }

  memset(out, 0, sizeof(*out));
  out->type = in->type;
  out->code = buf[0];
  out->mid = in->mid;
  out->token_len = in->token_len;
  memcpy(out->token, in->token, in->token_len);
  if (!merge_options(outer, no, inner.options, inner.option_count, out->options,
                     &out->option_count))
    return GKDC_OSCORE_ERR_BUFFER;
  out->payload = inner.payload;
  return GKDC_OSCORE_OK;
}

/* Takes the next Sender Sequence Number as a Partial IV. */
static enum gkdc_oscore_status next_piv(const struct gkdc_oscore_ctx *ctx, uint8_t *piv,
                                        size_t *piv_len)
{
  if (ctx->ssn > ctx->ssn_max)
    return GKDC_OSCORE_ERR_SEQ_EXHAUSTED;
  if (ctx->ssn >= ctx->ssn_limit)
    return GKDC_OSCORE_ERR_SEQ_PERSIST;
  *piv_len = gkdc_oscore_piv_encode(ctx->ssn, piv);
  return *piv_len > 0 ? GKDC_OSCORE_OK : GKDC_OSCORE_ERR_SEQ_EXHAUSTED;
}

/* ---- requests ---- */

enum gkdc_oscore_status
gkdc_oscore_protect_request(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                            int send_kid_context, struct gkdc_coap_msg *out,
                            uint8_t *buf, size_t cap, struct gkdc_oscore_request *req)
{
  struct gkdc_oscore_option opt;
  struct crypt_args a;
  uint8_t piv[GKDC_OSCORE_MAX_PIV_LEN];
  uint8_t nonce[GKDC_MAX_NONCE_LEN];
  size_t piv_len;
  const struct gkdc_coap_option *observe;
  uint32_t observe_value = 0;
  enum gkdc_oscore_status st;

  if (!is_request_code(in->code) || in->token_len > 8)
    return GKDC_OSCORE_ERR_INVALID;
  observe = gkdc_oscore_msg_find(in, GKDC_OPT_OBSERVE);
  if (observe != NULL && !gkdc_oscore_option_uint(observe, &observe_value))
    return GKDC_OSCORE_ERR_INVALID;

  st = next_piv(ctx, piv, &piv_len);
  if (st != GKDC_OSCORE_OK)
    return st;
  if (!gkdc_oscore_nonce(ctx, ctx->sender_id, ctx->sender_id_len, piv, piv_len, nonce))
    return GKDC_OSCORE_ERR_INVALID;

  /* Requests always carry the kid, even an empty one. */
  memset(&opt, 0, sizeof(opt));
  opt.piv.ptr = piv;
  opt.piv.len = piv_len;
  opt.has_kid = 1;
  opt.kid.ptr = ctx->sender_id;
  opt.kid.len = ctx->sender_id_len;
  if (send_kid_context && ctx->has_id_context) {
    opt.has_kid_context = 1;
    opt.kid_context.ptr = ctx->id_context;
    opt.kid_context.len = ctx->id_context_len;
  }

  crypt_args_init(&a, ctx->sender_key, nonce, ctx->sender_id, ctx->sender_id_len, piv,
                  piv_len);
  a.option = &opt;
  a.outer_code = observe != NULL ? GKDC_FETCH : GKDC_POST;
  st = seal(ctx, in, &a, out, buf, cap);
  if (st != GKDC_OSCORE_OK)
    return st;

  /* Commit: the sequence number is used, the binding is kept. */
  ctx->ssn++;
  memset(req, 0, sizeof(*req));
  memcpy(req->kid, ctx->sender_id, ctx->sender_id_len);
  req->kid_len = ctx->sender_id_len;
  memcpy(req->piv, piv, piv_len);
  req->piv_len = piv_len;
  memcpy(req->nonce, nonce, ctx->nonce_len);
  req->nonce_len = ctx->nonce_len;
  req->observe = observe != NULL && observe_value == GKDC_OBSERVE_REGISTER;
  return GKDC_OSCORE_OK;
}

/* Checks the kid and kid context of a request against the context. */
static int request_matches(const struct gkdc_oscore_ctx *ctx,
                           const struct gkdc_oscore_option *opt)
{
  if (!opt->has_kid || opt->kid.len != ctx->recipient_id_len ||
      (opt->kid.len > 0 && memcmp(opt->kid.ptr, ctx->recipient_id, opt->kid.len) != 0))
    return 0;
  if (opt->has_kid_context &&
      (!ctx->has_id_context || opt->kid_context.len != ctx->id_context_len ||
       (opt->kid_context.len > 0 &&
        memcmp(opt->kid_context.ptr, ctx->id_context, opt->kid_context.len) != 0)))
    return 0;
  return 1;
}

enum gkdc_oscore_status
gkdc_oscore_unprotect_request(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                              struct gkdc_coap_msg *out, uint8_t *buf, size_t cap,
                              struct gkdc_oscore_request *req)
{
  const struct gkdc_coap_option *o;
  const struct gkdc_coap_option *observe;
  struct gkdc_oscore_option opt;
  struct crypt_args a;
  uint8_t nonce[GKDC_MAX_NONCE_LEN];
  uint64_t seq;
  uint32_t observe_value = 0;
  enum gkdc_oscore_replay_result replay;
  enum gkdc_oscore_status st;
  int unsynced = 0;

  o = gkdc_oscore_msg_find(in, GKDC_OPT_OSCORE);
  if (o == NULL)
    return GKDC_OSCORE_ERR_NOT_PROTECTED;

  /* Step 2: decompress. A request needs a Partial IV, a kid and a
   * ciphertext. */
  st = gkdc_oscore_option_decode(o->value.ptr, o->value.len, &opt);
  if (st != GKDC_OSCORE_OK)
    return st;
  if (opt.piv.len == 0 || !opt.has_kid || in->payload.len == 0)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  if (!request_matches(ctx, &opt))
    return GKDC_OSCORE_ERR_NO_CONTEXT;

  /* Step 3: replay check; the window changes only after success. */
  if (!gkdc_oscore_piv_decode(opt.piv.ptr, opt.piv.len, &seq))
    return GKDC_OSCORE_ERR_BAD_OPTION;
  replay = gkdc_oscore_replay_check(&ctx->replay, seq);
  if (replay == GKDC_OSCORE_REPLAY_REPLAY)
    return GKDC_OSCORE_ERR_REPLAY;
  if (replay == GKDC_OSCORE_REPLAY_INVALID)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  unsynced = replay == GKDC_OSCORE_REPLAY_NOSYNC;

  /* Steps 4-6: AAD, nonce from the Recipient ID, decryption. */
  if (!gkdc_oscore_nonce(ctx, ctx->recipient_id, ctx->recipient_id_len, opt.piv.ptr,
                         opt.piv.len, nonce))
    return GKDC_OSCORE_ERR_BAD_OPTION;
  crypt_args_init(&a, ctx->recipient_key, nonce, opt.kid.ptr, opt.kid.len, opt.piv.ptr,
                  opt.piv.len);
  a.request = 1;
  st = open_message(ctx, in, &a, out, buf, cap);
  if (st != GKDC_OSCORE_OK)
    return st;

  observe = gkdc_oscore_msg_find(out, GKDC_OPT_OBSERVE);
  if (observe != NULL && !gkdc_oscore_option_uint(observe, &observe_value))
    return GKDC_OSCORE_ERR_BAD_INNER;

  /* Step 7: the request verified. Update the window, keep the binding. */
  if (!unsynced)
    gkdc_oscore_replay_update(&ctx->replay, seq);
  memset(req, 0, sizeof(*req));
  if (opt.kid.len > 0)
    memcpy(req->kid, opt.kid.ptr, opt.kid.len);
  req->kid_len = opt.kid.len;
  memcpy(req->piv, opt.piv.ptr, opt.piv.len);
  req->piv_len = opt.piv.len;
  memcpy(req->nonce, nonce, ctx->nonce_len);
  req->nonce_len = ctx->nonce_len;
  req->observe = observe != NULL && observe_value == GKDC_OBSERVE_REGISTER;
  return unsynced ? GKDC_OSCORE_ERR_UNSYNCED : GKDC_OSCORE_OK;
}

/* ---- responses ---- */

enum gkdc_oscore_status
gkdc_oscore_protect_response(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                             enum gkdc_oscore_piv_mode mode, struct gkdc_coap_msg *out,
                             uint8_t *buf, size_t cap, struct gkdc_oscore_request *req)
{
  struct gkdc_oscore_option opt;
  struct crypt_args a;
  uint8_t piv[GKDC_OSCORE_MAX_PIV_LEN];
  uint8_t nonce[GKDC_MAX_NONCE_LEN];
  size_t piv_len = 0;
  int notification;
  int own_piv;
  enum gkdc_oscore_status st;

  /* Empty ACKs and RSTs are never protected. */
  if (!is_response_code(in->code) || in->token_len > 8)
    return GKDC_OSCORE_ERR_INVALID;
  if (req->nonce_len != ctx->nonce_len)
    return GKDC_OSCORE_ERR_INVALID;

  notification = gkdc_oscore_msg_find(in, GKDC_OPT_OBSERVE) != NULL;
  if (notification && !req->observe)
    return GKDC_OSCORE_ERR_INVALID;

  /* The request nonce serves one response at most; notifications always
   * take their own Partial IV. */
  own_piv = mode == GKDC_OSCORE_PIV_OWN || notification || req->nonce_used;

  memset(&opt, 0, sizeof(opt));
  if (own_piv) {
    st = next_piv(ctx, piv, &piv_len);
    if (st != GKDC_OSCORE_OK)
      return st;
    if (!gkdc_oscore_nonce(ctx, ctx->sender_id, ctx->sender_id_len, piv, piv_len, nonce))
      return GKDC_OSCORE_ERR_INVALID;
    opt.piv.ptr = piv;
    opt.piv.len = piv_len;
  } else {
    memcpy(nonce, req->nonce, ctx->nonce_len);
  }

  crypt_args_init(&a, ctx->sender_key, nonce, req->kid, req->kid_len, req->piv,
                  req->piv_len);
  a.option = &opt;
  a.outer_code = notification ? GKDC_CODE(2, 5) : GKDC_CODE(2, 4);
  a.notification = notification;
  st = seal(ctx, in, &a, out, buf, cap);
  if (st != GKDC_OSCORE_OK)
    return st;

  if (own_piv)
    ctx->ssn++;
  else
    req->nonce_used = 1;
  return GKDC_OSCORE_OK;
}

enum gkdc_oscore_status
gkdc_oscore_unprotect_response(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                               struct gkdc_coap_msg *out, uint8_t *buf, size_t cap,
                               struct gkdc_oscore_request *req)
{
  const struct gkdc_coap_option *o;
  struct gkdc_oscore_option opt;
  struct crypt_args a;
  uint8_t nonce[GKDC_MAX_NONCE_LEN];
  uint64_t seq = 0;
  int has_piv;
  int inner_observe;
  size_t i;
  enum gkdc_oscore_status st;

  o = gkdc_oscore_msg_find(in, GKDC_OPT_OSCORE);
  if (o == NULL)
    return GKDC_OSCORE_ERR_NOT_PROTECTED;
  if (req->nonce_len != ctx->nonce_len)
    return GKDC_OSCORE_ERR_INVALID;

  if (gkdc_oscore_option_decode(o->value.ptr, o->value.len, &opt) != GKDC_OSCORE_OK)
    return GKDC_OSCORE_ERR_RESPONSE;
  /* A kid in a response must name the server's Sender ID. */
  if (opt.has_kid && (opt.kid.len != ctx->recipient_id_len ||
                      (opt.kid.len > 0 &&
                       memcmp(opt.kid.ptr, ctx->recipient_id, opt.kid.len) != 0)))
    return GKDC_OSCORE_ERR_RESPONSE;

  /* Binding: one response to a plain request; notifications in order. */
  if (req->answered)
    return GKDC_OSCORE_ERR_RESPONSE;
  has_piv = opt.piv.len > 0;
  if (has_piv) {
    if (!gkdc_oscore_piv_decode(opt.piv.ptr, opt.piv.len, &seq))
      return GKDC_OSCORE_ERR_RESPONSE;
    if (req->observe && req->notified && seq <= req->notification_number)
      return GKDC_OSCORE_ERR_RESPONSE;
    if (!gkdc_oscore_nonce(ctx, ctx->recipient_id, ctx->recipient_id_len, opt.piv.ptr,
                           opt.piv.len, nonce))
      return GKDC_OSCORE_ERR_RESPONSE;
  } else {
    if (req->unnumbered_seen || req->notified)
      return GKDC_OSCORE_ERR_RESPONSE;
    memcpy(nonce, req->nonce, ctx->nonce_len);
  }

  crypt_args_init(&a, ctx->recipient_key, nonce, req->kid, req->kid_len, req->piv,
                  req->piv_len);
  st = open_message(ctx, in, &a, out, buf, cap);
  if (st != GKDC_OSCORE_OK)
    return st;

  /* An inner Observe needs an Observe registration and a Partial IV. */
  inner_observe = 0;
  for (i = 0; i < out->option_count; i++) {
    if (out->options[i].number != GKDC_OPT_OBSERVE)
      continue;
    if (!req->observe || !has_piv)
      return GKDC_OSCORE_ERR_RESPONSE;
    inner_observe = 1;

    /* Give the application an increasing Observe value: the three low
     * bytes of the Partial IV (RFC 8613 section 4.1.3.5.2). */
    req->observe_value[0] = (uint8_t)(seq >> 16);
    req->observe_value[1] = (uint8_t)(seq >> 8);
    req->observe_value[2] = (uint8_t)seq;
    out->options[i].value.ptr = req->observe_value;
    out->options[i].value.len = 3;
  }

  /* Commit the binding state. */
  if (inner_observe) {
    req->notified = 1;
    req->notification_number = seq;
  } else if (req->observe && !has_piv) {
    req->unnumbered_seen = 1;
    req->answered = 1;
  } else {
    req->answered = 1;
  }
  return GKDC_OSCORE_OK;
}

enum gkdc_oscore_response_kind
gkdc_oscore_response_classify(const struct gkdc_coap_msg *msg)
{
  if (gkdc_oscore_msg_find(msg, GKDC_OPT_OSCORE) != NULL)
    return GKDC_OSCORE_RESPONSE_PROTECTED;
  if (msg->code == 0)
    return GKDC_OSCORE_RESPONSE_EMPTY;
  if (msg->code == GKDC_CODE(4, 0) || msg->code == GKDC_CODE(4, 1) ||
      msg->code == GKDC_CODE(4, 2))
    return GKDC_OSCORE_RESPONSE_OSCORE_ERROR;
  return GKDC_OSCORE_RESPONSE_DROP;
}
