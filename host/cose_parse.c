/*
 * Parsing COSE_Sign1, COSE_Mac0 and COSE_Encrypt0 (RFC 9052 sections 4.2,
 * 5.2 and 6.2) and their header buckets.
 */
#include <string.h>

#include <gkdc/cose.h>

#include "cose_internal.h"

/* More labels than this in one bucket is treated as hostile. */
#define MAX_LABELS 32

const char *gkdc_cose_err_str(enum gkdc_cose_err err)
{
  switch (err) {
  case GKDC_COSE_OK: return "success";
  case GKDC_COSE_ERR_CBOR: return "COSE object is not valid CBOR";
  case GKDC_COSE_ERR_STRUCTURE: return "invalid COSE structure";
  case GKDC_COSE_ERR_WRONG_TYPE: return "unexpected COSE message type";
  case GKDC_COSE_ERR_NO_ALG: return "no alg in the COSE protected header";
  case GKDC_COSE_ERR_ALG: return "unsupported or unexpected COSE algorithm";
  case GKDC_COSE_ERR_CRIT: return "unknown critical COSE header parameter";
  case GKDC_COSE_ERR_KEY: return "invalid or unsuitable COSE key";
  case GKDC_COSE_ERR_VERIFY: return "COSE signature or tag verification failed";
  case GKDC_COSE_ERR_BUFFER: return "COSE output buffer too small";
  case GKDC_COSE_ERR_CRYPTO: return "cryptographic operation failed";
  case GKDC_COSE_ERR_NOMEM: return "out of memory";
  case GKDC_COSE_ERR_INVALID: return "invalid argument";
  }
  return "unknown COSE error";
}

/* The labels of one bucket, as encoded key bytes, for the uniqueness and
 * crit checks. */
struct label_set {
  struct gkdc_bytes key[MAX_LABELS];
  size_t count;
};

static int label_set_has(const struct label_set *s, const struct gkdc_bytes *k)
{
  size_t i;

  for (i = 0; i < s->count; i++) {
    if (s->key[i].len == k->len && memcmp(s->key[i].ptr, k->ptr, k->len) == 0)
      return 1;
  }
  return 0;
}

/* Reads an optional bstr parameter value into *out. */
static void get_bstr_param(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  gkdc_cbor_dec_get_bstr(d, out);
}

/*
 * Parses one header bucket (an encoded map, possibly empty) into `hdr`.
 * Records its labels in `labels`. For the protected bucket, `crit` receives
 * the encoded crit array when present.
 */
static enum gkdc_cose_err parse_bucket(const uint8_t *map, size_t map_len,
                                       int is_protected,
                                       struct gkdc_cose_headers *hdr,
                                       struct label_set *labels,
                                       struct gkdc_bytes *crit,
                                       enum gkdc_cbor_err *cbor_err)
{
  struct gkdc_cbor_dec d;
  size_t pairs = 0;
  size_t i;
  enum gkdc_cose_err err = GKDC_COSE_OK;

  if (map_len == 0)
    return GKDC_COSE_OK;
  gkdc_cbor_dec_init(&d, map, map_len, NULL);
  if (!gkdc_cbor_dec_enter_map(&d, &pairs)) {
    *cbor_err = gkdc_cbor_dec_finish(&d);
    return *cbor_err == GKDC_CBOR_ERR_TYPE ? GKDC_COSE_ERR_STRUCTURE : GKDC_COSE_ERR_CBOR;
  }
  if (pairs > MAX_LABELS)
    return GKDC_COSE_ERR_STRUCTURE;

  for (i = 0; i < pairs && err == GKDC_COSE_OK; i++) {
    struct gkdc_bytes raw_key;
    struct gkdc_cbor_dec key_dec;
    int64_t label = 0;
    enum gkdc_cbor_type kt = gkdc_cbor_dec_peek_type(&d);

    if (kt != GKDC_CBOR_TYPE_UINT && kt != GKDC_CBOR_TYPE_NEGINT &&
        kt != GKDC_CBOR_TYPE_TSTR) {
      err = GKDC_COSE_ERR_STRUCTURE;
      break;
    }
    gkdc_cbor_dec_get_raw(&d, &raw_key);
    labels->key[labels->count++] = raw_key;

    /* Text labels and integer labels beyond int64 carry nothing we use. */
    if (kt == GKDC_CBOR_TYPE_TSTR ||
        gkdc_cbor_dec_init(&key_dec, raw_key.ptr, raw_key.len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_get_int(&key_dec, &label)) {
      gkdc_cbor_dec_skip(&d);
      continue;
    }

    switch (label) {
    case GKDC_COSE_HDR_ALG:
      if (gkdc_cbor_dec_peek_type(&d) == GKDC_CBOR_TYPE_TSTR) {
        /* Text algorithm names are not registered for any algorithm gkdc
         * implements. */
        gkdc_cbor_dec_skip(&d);
        if (is_protected)
          err = GKDC_COSE_ERR_ALG;
      } else {
        int64_t alg = 0;

        if (gkdc_cbor_dec_get_int(&d, &alg) && (alg < INT32_MIN || alg > INT32_MAX))
          err = GKDC_COSE_ERR_ALG;
        if (is_protected && err == GKDC_COSE_OK) {
          hdr->has_alg = 1;
          hdr->alg = (int32_t)alg;
        }
      }
      break;
    case GKDC_COSE_HDR_CRIT:
      if (!is_protected || gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_ARRAY)
        err = GKDC_COSE_ERR_STRUCTURE;
      else
        gkdc_cbor_dec_get_raw(&d, crit);
      break;
    case GKDC_COSE_HDR_CONTENT_TYPE: {
      enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(&d);

      if (t != GKDC_CBOR_TYPE_UINT && t != GKDC_CBOR_TYPE_TSTR)
        err = GKDC_COSE_ERR_STRUCTURE;
      else
        gkdc_cbor_dec_get_raw(&d, &hdr->content_type);
      break;
    }
    case GKDC_COSE_HDR_KID:
      get_bstr_param(&d, &hdr->kid);
      hdr->kid_protected = is_protected;
      break;
    case GKDC_COSE_HDR_IV:
      get_bstr_param(&d, &hdr->iv);
      break;
    case GKDC_COSE_HDR_PARTIAL_IV:
      get_bstr_param(&d, &hdr->partial_iv);
      break;
    case GKDC_COSE_HDR_KID_CONTEXT:
      get_bstr_param(&d, &hdr->kid_context);
      break;
    default:
      gkdc_cbor_dec_skip(&d);
      break;
    }
  }

  if (err == GKDC_COSE_OK) {
    gkdc_cbor_dec_exit(&d);
    *cbor_err = gkdc_cbor_dec_finish(&d);
    if (*cbor_err == GKDC_CBOR_ERR_TYPE)
      err = GKDC_COSE_ERR_STRUCTURE;
    else if (*cbor_err != GKDC_CBOR_OK)
      err = GKDC_COSE_ERR_CBOR;
  }
  return err;
}

/*
 * Checks crit (RFC 9052 section 3.1): a non-empty array of labels that are
 * all present in the protected bucket and that this code processes.
 */
static enum gkdc_cose_err check_crit(const struct gkdc_bytes *crit,
                                     const struct label_set *prot)
{
  struct gkdc_cbor_dec d;
  size_t n = 0;
  size_t i;
  enum gkdc_cose_err err = GKDC_COSE_OK;

  gkdc_cbor_dec_init(&d, crit->ptr, crit->len, NULL);
  if (!gkdc_cbor_dec_enter_array(&d, &n) || n == 0)
    return GKDC_COSE_ERR_STRUCTURE;

  for (i = 0; i < n && err == GKDC_COSE_OK; i++) {
    struct gkdc_bytes raw;
    struct gkdc_cbor_dec ld;
    int64_t label = 0;

    gkdc_cbor_dec_get_raw(&d, &raw);
    if (gkdc_cbor_dec_error(&d) != GKDC_CBOR_OK || !label_set_has(prot, &raw)) {
      err = GKDC_COSE_ERR_CRIT;
      break;
    }
    gkdc_cbor_dec_init(&ld, raw.ptr, raw.len, NULL);
    if (!gkdc_cbor_dec_get_int(&ld, &label))
      err = GKDC_COSE_ERR_CRIT;
    else if (label != GKDC_COSE_HDR_ALG && label != GKDC_COSE_HDR_CONTENT_TYPE &&
             label != GKDC_COSE_HDR_KID && label != GKDC_COSE_HDR_IV &&
             label != GKDC_COSE_HDR_PARTIAL_IV && label != GKDC_COSE_HDR_KID_CONTEXT)
      err = GKDC_COSE_ERR_CRIT;
  }
  return err;
}

/* Reads the optional tags in front of the message and fixes its type. */
static enum gkdc_cose_err read_tags(struct gkdc_cbor_dec *d, enum gkdc_cose_type expect,
                                    struct gkdc_cose_msg *msg)
{
  uint64_t tag = 0;

  msg->cwt_tagged = gkdc_cbor_dec_skip_tag(d, GKDC_COSE_TAG_CWT);
  msg->type = expect;
  if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TAG) {
    gkdc_cbor_dec_get_tag(d, &tag);
    if (tag != GKDC_COSE_TAG_SIGN1 && tag != GKDC_COSE_TAG_MAC0 &&
        tag != GKDC_COSE_TAG_ENCRYPT0)
      return GKDC_COSE_ERR_WRONG_TYPE;
    if (expect != GKDC_COSE_ANY && (uint64_t)expect != tag)
      return GKDC_COSE_ERR_WRONG_TYPE;
    msg->tagged = 1;
    msg->type = (enum gkdc_cose_type)tag;
  }
  return GKDC_COSE_OK;
}

enum gkdc_cose_err gkdc_cose_parse(const uint8_t *in, size_t len,
                                   enum gkdc_cose_type expect,
                                   struct gkdc_cose_msg *msg)
{
  struct gkdc_cbor_dec d;
  struct label_set prot;
  struct label_set unprot;
  struct gkdc_bytes crit = {NULL, 0};
  struct gkdc_cose_headers hdr;
  size_t count = 0;
  size_t i;
  enum gkdc_cose_err err;

  if (msg == NULL || (in == NULL && len > 0))
    return GKDC_COSE_ERR_INVALID;
  memset(msg, 0, sizeof(*msg));
  memset(&hdr, 0, sizeof(hdr));
  prot.count = 0;
  unprot.count = 0;

  msg->cbor_err = gkdc_cbor_dec_init(&d, in, len, NULL);
  if (msg->cbor_err != GKDC_CBOR_OK)
    return GKDC_COSE_ERR_CBOR;

  err = read_tags(&d, expect, msg);
  if (err != GKDC_COSE_OK)
    return err;

  /* The array: [protected, unprotected, payload (, signature or tag)]. */
  if (!gkdc_cbor_dec_enter_array(&d, &count))
    return GKDC_COSE_ERR_STRUCTURE;
  if (msg->type == GKDC_COSE_ANY)
    msg->type = count == 3 ? GKDC_COSE_ENCRYPT0 : GKDC_COSE_ANY;
  if (msg->type == GKDC_COSE_ANY)
    return GKDC_COSE_ERR_WRONG_TYPE;
  if (count != (msg->type == GKDC_COSE_ENCRYPT0 ? 3u : 4u))
    return GKDC_COSE_ERR_STRUCTURE;

  gkdc_cbor_dec_get_bstr(&d, &hdr.protected_bstr);
  if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_MAP)
    return GKDC_COSE_ERR_STRUCTURE;
  gkdc_cbor_dec_get_raw(&d, &hdr.unprotected);
  if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_BSTR)
    return GKDC_COSE_ERR_STRUCTURE; /* nil: detached payloads are not supported */
  gkdc_cbor_dec_get_bstr(&d, &msg->payload);
  if (msg->type != GKDC_COSE_ENCRYPT0)
    gkdc_cbor_dec_get_bstr(&d, &msg->auth);
  gkdc_cbor_dec_exit(&d);
  msg->cbor_err = gkdc_cbor_dec_finish(&d);
  if (msg->cbor_err != GKDC_CBOR_OK)
    return msg->cbor_err == GKDC_CBOR_ERR_TYPE ? GKDC_COSE_ERR_STRUCTURE
                                               : GKDC_COSE_ERR_CBOR;

  /* Header buckets; the protected one is a bstr wrapping a map. */
  err = parse_bucket(hdr.protected_bstr.ptr, hdr.protected_bstr.len, 1, &hdr, &prot,
                     &crit, &msg->cbor_err);
  if (err != GKDC_COSE_OK)
    return err;
  err = parse_bucket(hdr.unprotected.ptr, hdr.unprotected.len, 0, &hdr, &unprot,
                     NULL, &msg->cbor_err);
  if (err != GKDC_COSE_OK)
    return err;

  /* RFC 9052 section 3: a label appears in at most one bucket. */
  for (i = 0; i < unprot.count; i++) {
    if (label_set_has(&prot, &unprot.key[i]))
      return GKDC_COSE_ERR_STRUCTURE;
  }
  /* IV and Partial IV are mutually exclusive (RFC 9052 section 3.1). */
  if (hdr.iv.ptr != NULL && hdr.partial_iv.ptr != NULL)
    return GKDC_COSE_ERR_STRUCTURE;
  if (crit.ptr != NULL) {
    err = check_crit(&crit, &prot);
    if (err != GKDC_COSE_OK)
      return err;
  }

  msg->hdr = hdr;
  return GKDC_COSE_OK;
}
