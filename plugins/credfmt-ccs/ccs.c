/*
 * credfmt-ccs: CWT Claims Set (CCS) authentication credentials, COSE
 * header parameter kccs (14, RFC 9528).
 *
 * A CCS is an untagged CWT claims map (RFC 8392) whose `cnf` claim (8)
 * contains a COSE_Key (1) (RFC 8747). The credential has no signature, so
 * trust in it comes from configuration or from the proof of possession; the
 * plugin therefore has no validate operation. The bytes are kept as
 * received: Group OSCORE signs over them and hands them to other members.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/plugin.h>

#include "ccs.h"

/* Log text for an enum gkdc_cred_err value. */
static const char *err_text(int err)
{
  switch (err) {
  case GKDC_CRED_ERR_MALFORMED:
    return "not a well-formed CCS with a COSE_Key";
  case GKDC_CRED_ERR_TOO_LARGE:
    return "too large";
  case GKDC_CRED_ERR_NO_KEY:
    return "missing public key";
  case GKDC_CRED_ERR_UNSUPPORTED_KEY:
    return "unsupported key type, curve or algorithm";
  case GKDC_CRED_ERR_INVALID_KEY:
    return "invalid public key";
  case GKDC_CRED_ERR_BUFFER:
    return "output buffer too small";
  case GKDC_CRED_ERR_INTERNAL:
    return "internal error";
  default:
    return "rejected";
  }
}

static void ccs_log(const struct ccs_state *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ccs_log(const struct ccs_state *s, int level, const char *fmt, ...)
{
  va_list ap;

  if (s == NULL || !GKDC_HAS_OP(s->host, vlog))
    return;
  va_start(ap, fmt);
  s->host->vlog(s->self, level, fmt, ap);
  va_end(ap);
}

static void set_err(int *err, int value)
{
  if (err != NULL)
    *err = value;
}

/*
 * Decodes the claims map in `body` (the untagged CCS) and fills the key
 * and the subject. Views point into `body`.
 */
static int decode_claims(const uint8_t *body, size_t body_len,
                         struct ccs_key *key, struct gkdc_cred_info *info,
                         int *err)
{
  struct gkdc_cbor_limits limits = { GKDC_CRED_MAX_LEN, CCS_MAX_DEPTH };
  struct gkdc_cbor_dec d;
  struct gkdc_cbor_dec cnf;
  struct gkdc_cbor_dec cose_key;
  struct gkdc_cbor_dec sub;
  enum gkdc_cbor_err cerr;

  cerr = gkdc_cbor_dec_init(&d, body, body_len, &limits);
  if (cerr != GKDC_CBOR_OK) {
    *err = cerr == GKDC_CBOR_ERR_TOO_LARGE ? GKDC_CRED_ERR_TOO_LARGE
                                           : GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  if (!gkdc_cbor_dec_enter_map(&d, NULL)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }

  if (gkdc_cbor_dec_map_find_int(&d, CCS_CLAIM_SUB, &sub)) {
    if (!gkdc_cbor_dec_get_tstr(&sub, &info->subject)) {
      *err = GKDC_CRED_ERR_MALFORMED;
      return 0;
    }
    info->has_subject = 1;
  }

  if (!gkdc_cbor_dec_map_find_int(&d, CCS_CLAIM_CNF, &cnf)) {
    *err = GKDC_CRED_ERR_NO_KEY;
    return 0;
  }
  if (!gkdc_cbor_dec_enter_map(&cnf, NULL)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  if (!gkdc_cbor_dec_map_find_int(&cnf, CCS_CNF_COSE_KEY, &cose_key)) {
    *err = GKDC_CRED_ERR_NO_KEY;
    return 0;
  }
  if (!ccs_cose_key_decode(&cose_key, key, err))
    return 0;
  if (!gkdc_cbor_dec_exit(&cnf) || !gkdc_cbor_dec_exit(&d) ||
      gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  return 1;
}

/*
 * Finds the claims map inside `in`: the whole input, or with
 * GKDC_CRED_PARSE_ALLOW_TAGGED the item after one leading tag.
 */
static int untag(const uint8_t *in, size_t in_len, uint32_t flags,
                 struct gkdc_bytes *body, int *err)
{
  struct gkdc_cbor_limits limits = { GKDC_CRED_MAX_LEN, CCS_MAX_DEPTH + 1 };
  struct gkdc_cbor_dec d;
  uint64_t tag;
  struct gkdc_bytes rest;

  body->ptr = in;
  body->len = in_len;
  if (in_len == 0 || (in[0] >> 5) != 6)
    return 1;
  if (!(flags & GKDC_CRED_PARSE_ALLOW_TAGGED)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }

  if (gkdc_cbor_dec_init(&d, in, in_len, &limits) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_get_tag(&d, &tag) || !gkdc_cbor_dec_get_raw(&d, &rest) ||
      gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  *body = rest;
  return 1;
}

static int ccs_parse(void *st, const uint8_t *in, size_t in_len,
                     uint32_t flags, gkdc_cred **out, int *err)
{
  struct ccs_state *s = st;
  struct gkdc_cred *cred = NULL;
  struct gkdc_bytes body;
  struct ccs_key key;
  int e = GKDC_CRED_ERR_INTERNAL;

  if (out == NULL) {
    set_err(err, GKDC_CRED_ERR_INTERNAL);
    return 0;
  }
  *out = NULL;

  if (in == NULL || in_len == 0) {
    e = GKDC_CRED_ERR_MALFORMED;
    goto fail;
  }
  if (in_len > GKDC_CRED_MAX_LEN) {
    e = GKDC_CRED_ERR_TOO_LARGE;
    goto fail;
  }

  /* Parse the private copy, so that every view points into memory the
   * handle owns. */
  cred = calloc(1, sizeof(*cred) + in_len);
  if (cred == NULL)
    goto fail;
  memcpy(cred->bytes, in, in_len);
  cred->len = in_len;

  if (!untag(cred->bytes, in_len, flags, &body, &e))
    goto fail;
  if (!decode_claims(body.ptr, body.len, &key, &cred->info, &e))
    goto fail;
  if (!ccs_key_check_point(s != NULL ? s->crypto : NULL, &key, &e))
    goto fail;

  memcpy(cred->pub, key.pub, key.pub_len);
  cred->info.size = sizeof(cred->info);
  cred->info.cred_fmt = GKDC_COSE_HDR_KCCS;
  cred->info.kty = key.kty;
  cred->info.curve = key.curve;
  cred->info.alg = key.alg;
  cred->info.alg_stated = key.alg_stated;
  cred->info.pub.ptr = cred->pub;
  cred->info.pub.len = key.pub_len;
  cred->info.encoded.ptr = cred->bytes;
  cred->info.encoded.len = in_len;
  cred->info.end_entity = body;
  cred->info.has_kid = key.has_kid;
  cred->info.kid = key.kid;
  *out = cred;
  return 1;

fail:
  ccs_log(s, GKDC_LOG_DEBUG, "CCS credential of %zu bytes rejected: %s",
          in_len, err_text(e));
  free(cred);
  set_err(err, e);
  return 0;
}

static void ccs_free(void *st, gkdc_cred *cred)
{
  free(cred);
}

static const struct gkdc_cred_info *ccs_info_get0(void *st, const gkdc_cred *cred)
{
  return cred != NULL ? &cred->info : NULL;
}

static int ccs_encode(void *st, const gkdc_cred *cred, uint8_t *out,
                      size_t *out_len, int *err)
{
  if (cred == NULL || out_len == NULL) {
    set_err(err, GKDC_CRED_ERR_INTERNAL);
    return 0;
  }
  if (out == NULL || *out_len < cred->len) {
    set_err(err, GKDC_CRED_ERR_BUFFER);
    return 0;
  }
  memcpy(out, cred->bytes, cred->len);
  *out_len = cred->len;
  return 1;
}

static int bytes_equal(struct gkdc_bytes a, struct gkdc_bytes b)
{
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int ccs_match(void *st, const gkdc_cred *a, const gkdc_cred *b, int how)
{
  if (a == NULL || b == NULL)
    return 0;
  switch (how) {
  case GKDC_CRED_MATCH_BYTES:
    return bytes_equal(a->info.encoded, b->info.encoded);
  case GKDC_CRED_MATCH_KEY:
    return a->info.kty == b->info.kty && a->info.curve == b->info.curve &&
           bytes_equal(a->info.pub, b->info.pub);
  default:
    return 0;
  }
}

static int ccs_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                    void **state_out)
{
  struct ccs_state *s = calloc(1, sizeof(*s));

  if (s == NULL)
    return 0;
  s->self = self;
  s->host = host;
  if (GKDC_HAS_OP(host, crypto_get0))
    s->crypto = host->crypto_get0();
  if (s->crypto == NULL)
    ccs_log(s, GKDC_LOG_WARNING,
            "no crypto adapter: Ed25519 and P-256 credentials will be rejected");
  *state_out = s;
  return 1;
}

static void ccs_fini(void *state)
{
  free(state);
}

static const struct gkdc_credfmt_ops ccs_ops = {
  .size = sizeof(struct gkdc_credfmt_ops),
  .cose_header_label = GKDC_COSE_HDR_KCCS,
  .name = "ccs",
  .parse = ccs_parse,
  .free = ccs_free,
  .info_get0 = ccs_info_get0,
  .encode = ccs_encode,
  .match = ccs_match,
  .validate = NULL,
};

static const struct gkdc_plugin_desc ccs_desc = {
  .abi_major = GKDC_ABI_MAJOR,
  .abi_minor = GKDC_ABI_MINOR,
  .build_signature = GKDC_BUILD_SIGNATURE,
  .kind = GKDC_PLUGIN_CREDFMT,
  .name = "credfmt-ccs",
  .version = PLUGIN_VERSION,
  .description = "CWT Claims Set credentials (kccs) with Ed25519, X25519 or P-256 keys",
  .init = ccs_init,
  .fini = ccs_fini,
  .ops = &ccs_ops,
};

GKDC_PLUGIN_DEFINE(ccs_desc)
