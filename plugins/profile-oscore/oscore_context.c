/*
 * OSCORE security context: derivation (RFC 8613 section 3.2), the AEAD
 * nonce (section 5.2), Partial IV coding and Sender Sequence Number
 * persistence (Appendix B.1.1).
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "oscore.h"

/* Largest info array: 1 (array head) + 1 + 7 (id) + 2 + 64 (id context) +
 * 5 (alg) + 4 ("Key") + 2 (L). */
#define INFO_MAX 96

/* Shortest AEAD nonce OSCORE allows (RFC 8613 section 5.2). */
#define MIN_NONCE_LEN 7

int gkdc_oscore_cbor_advance(size_t n, size_t *pos)
{
  if (n == 0)
    return 0;
  *pos += n;
  return 1;
}

int gkdc_oscore_cbor_put_int(int64_t v, uint8_t *out, size_t cap, size_t *pos)
{
  size_t n;

  if (v >= 0)
    n = cbor_encode_uint((uint64_t)v, out + *pos, cap - *pos);
  else
    n = cbor_encode_negint((uint64_t)(-(v + 1)), out + *pos, cap - *pos);
  return gkdc_oscore_cbor_advance(n, pos);
}

int gkdc_oscore_cbor_put_bstr(const uint8_t *p, size_t len, uint8_t *out, size_t cap,
                              size_t *pos)
{
  size_t n = cbor_encode_bytestring_start(len, out + *pos, cap - *pos);

  if (n == 0 || cap - *pos - n < len)
    return 0;
  if (len > 0)
    memcpy(out + *pos + n, p, len);
  *pos += n + len;
  return 1;
}

int gkdc_oscore_info_encode(const uint8_t *id, size_t id_len, int has_id_context,
                            const uint8_t *id_context, size_t id_context_len,
                            int32_t aead_alg, const char *type, size_t out_len_l,
                            uint8_t *out, size_t cap, size_t *out_len)
{
  size_t pos = 0;
  size_t type_len = strlen(type);

  if (!gkdc_oscore_cbor_advance(cbor_encode_array_start(5, out, cap), &pos))
    return 0;
  if (!gkdc_oscore_cbor_put_bstr(id, id_len, out, cap, &pos))
    return 0;

  if (has_id_context) {
    if (!gkdc_oscore_cbor_put_bstr(id_context, id_context_len, out, cap, &pos))
      return 0;
  } else if (!gkdc_oscore_cbor_advance(cbor_encode_null(out + pos, cap - pos), &pos)) {
    return 0;
  }

  if (!gkdc_oscore_cbor_put_int(aead_alg, out, cap, &pos))
    return 0;

  if (!gkdc_oscore_cbor_advance(cbor_encode_string_start(type_len, out + pos, cap - pos),
                                &pos))
    return 0;
  if (cap - pos < type_len)
    return 0;
  memcpy(out + pos, type, type_len);
  pos += type_len;

  if (!gkdc_oscore_cbor_advance(cbor_encode_uint(out_len_l, out + pos, cap - pos), &pos))
    return 0;

  *out_len = pos;
  return 1;
}

/* Derives one value of `len` bytes; `id` is NULL/0 for the Common IV. */
static int derive(const struct gkdc_crypto *cx, const struct gkdc_oscore_params *p,
                  int32_t hkdf_alg, const uint8_t *id, size_t id_len,
                  const char *type, uint8_t *out, size_t len)
{
  uint8_t info[INFO_MAX];
  size_t info_len;

  if (!gkdc_oscore_info_encode(id, id_len, p->has_id_context, p->id_context.ptr,
                               p->id_context.len, p->aead_alg ? p->aead_alg : 10,
                               type, len, info, sizeof(info), &info_len))
    return 0;
  return gkdc_crypto_hkdf(cx, hkdf_alg, p->master_salt.ptr, p->master_salt.len,
                          p->master_secret.ptr, p->master_secret.len, info,
                          info_len, out, len);
}

static int params_valid(const struct gkdc_oscore_params *p, size_t nonce_len)
{
  size_t max_id = nonce_len - 6;

  if (p->master_secret.len == 0 || p->master_secret.ptr == NULL)
    return 0;
  if (p->sender_id.len > max_id || p->recipient_id.len > max_id)
    return 0;
  if (p->has_id_context && p->id_context.len > GKDC_OSCORE_MAX_ID_CONTEXT_LEN)
    return 0;
  if (p->replay_window > GKDC_OSCORE_REPLAY_WINDOW_MAX)
    return 0;
  return 1;
}

struct gkdc_oscore_ctx *gkdc_oscore_ctx_new(const struct gkdc_crypto *cx,
                                            const struct gkdc_oscore_params *p)
{
  struct gkdc_oscore_ctx *ctx = NULL;
  const struct gkdc_alg_info *info;
  int32_t aead_alg = p->aead_alg ? p->aead_alg : GKDC_COSE_ALG_AES_CCM_16_64_128;
  int32_t hkdf_alg = p->hkdf_alg ? p->hkdf_alg : GKDC_COSE_ALG_SHA256;
  int32_t hash_alg;

  /* The algorithm must be an AEAD whose sizes fit our buffers. */
  info = gkdc_crypto_alg_info_get0(cx, aead_alg);
  if (info == NULL || info->cls != GKDC_ALG_AEAD)
    return NULL;
  if (info->nonce_len < MIN_NONCE_LEN || info->nonce_len > GKDC_MAX_NONCE_LEN ||
      info->key_len == 0 || info->key_len > GKDC_MAX_KEY_LEN)
    return NULL;
  if (!gkdc_crypto_hkdf_hash(hkdf_alg, &hash_alg))
    return NULL;
  if (!params_valid(p, info->nonce_len))
    return NULL;

  ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return NULL;
  ctx->cx = cx;
  ctx->aead_alg = aead_alg;
  ctx->key_len = info->key_len;
  ctx->nonce_len = info->nonce_len;
  ctx->tag_len = info->tag_len;

  if (p->sender_id.len > 0)
    memcpy(ctx->sender_id, p->sender_id.ptr, p->sender_id.len);
  ctx->sender_id_len = p->sender_id.len;
  if (p->recipient_id.len > 0)
    memcpy(ctx->recipient_id, p->recipient_id.ptr, p->recipient_id.len);
  ctx->recipient_id_len = p->recipient_id.len;
  ctx->has_id_context = p->has_id_context ? 1 : 0;
  if (p->has_id_context && p->id_context.len > 0)
    memcpy(ctx->id_context, p->id_context.ptr, p->id_context.len);
  ctx->id_context_len = p->has_id_context ? p->id_context.len : 0;

  /* The info array names the AEAD by its COSE id, also when defaulted. */
  {
    struct gkdc_oscore_params q = *p;

    q.aead_alg = aead_alg;
    if (!derive(cx, &q, hkdf_alg, p->sender_id.ptr, p->sender_id.len, "Key",
                ctx->sender_key, ctx->key_len) ||
        !derive(cx, &q, hkdf_alg, p->recipient_id.ptr, p->recipient_id.len, "Key",
                ctx->recipient_key, ctx->key_len) ||
        !derive(cx, &q, hkdf_alg, NULL, 0, "IV", ctx->common_iv, ctx->nonce_len)) {
      gkdc_oscore_ctx_free(ctx);
      return NULL;
    }
  }

  ctx->ssn = 0;
  ctx->ssn_max = GKDC_OSCORE_MAX_SSN;
  ctx->ssn_limit = UINT64_MAX;
  ctx->ssn_step = 0;
  gkdc_oscore_replay_init(&ctx->replay, p->replay_window);
  return ctx;
}

void gkdc_oscore_ctx_free(struct gkdc_oscore_ctx *ctx)
{
  if (ctx == NULL)
    return;
  if (ctx->user != NULL && ctx->user_free != NULL)
    ctx->user_free(ctx->user);
  gkdc_oscore_cache_free_all(ctx->cache);
  gkdc_wipe(ctx, sizeof(*ctx));
  free(ctx);
}

int gkdc_oscore_nonce(const struct gkdc_oscore_ctx *ctx, const uint8_t *id_piv,
                      size_t id_piv_len, const uint8_t *piv, size_t piv_len,
                      uint8_t *nonce)
{
  size_t id_field = ctx->nonce_len - 6;
  size_t i;

  if (id_piv_len > id_field || piv_len > GKDC_OSCORE_MAX_PIV_LEN)
    return 0;

  /* [ S | zero-pad | ID_PIV | zero-pad | PIV ] */
  memset(nonce, 0, ctx->nonce_len);
  nonce[0] = (uint8_t)id_piv_len;
  if (id_piv_len > 0)
    memcpy(nonce + 1 + id_field - id_piv_len, id_piv, id_piv_len);
  if (piv_len > 0)
    memcpy(nonce + ctx->nonce_len - piv_len, piv, piv_len);

  for (i = 0; i < ctx->nonce_len; i++)
    nonce[i] ^= ctx->common_iv[i];
  return 1;
}

size_t gkdc_oscore_piv_encode(uint64_t seq, uint8_t piv[GKDC_OSCORE_MAX_PIV_LEN])
{
  size_t len = 1;
  size_t i;

  if (seq > GKDC_OSCORE_MAX_SSN)
    return 0;
  while (len < GKDC_OSCORE_MAX_PIV_LEN && (seq >> (8 * len)) != 0)
    len++;
  for (i = 0; i < len; i++)
    piv[i] = (uint8_t)(seq >> (8 * (len - 1 - i)));
  return len;
}

int gkdc_oscore_piv_decode(const uint8_t *piv, size_t len, uint64_t *seq)
{
  uint64_t v = 0;
  size_t i;

  if (len == 0 || len > GKDC_OSCORE_MAX_PIV_LEN)
    return 0;
  for (i = 0; i < len; i++)
    v = (v << 8) | piv[i];
  *seq = v;
  return 1;
}

int gkdc_oscore_ssn_enable(struct gkdc_oscore_ctx *ctx, uint64_t step)
{
  if (step == 0 || step > GKDC_OSCORE_MAX_SSN)
    return 0;
  ctx->ssn_step = step;
  /* Nothing is persisted yet: no number is usable. */
  ctx->ssn_limit = ctx->ssn;
  return 1;
}

int gkdc_oscore_ssn_restore(struct gkdc_oscore_ctx *ctx, uint64_t bound, uint64_t step)
{
  if (step == 0 || step > GKDC_OSCORE_MAX_SSN || bound > GKDC_OSCORE_MAX_SSN + 1)
    return 0;

  /* Numbers below the stored bound may have been used before the restart.
   * The bound itself is usable only after a higher bound is persisted. */
  ctx->ssn = bound;
  ctx->ssn_step = step;
  ctx->ssn_limit = bound;
  return 1;
}

int gkdc_oscore_ssn_wanted(const struct gkdc_oscore_ctx *ctx, uint64_t *bound)
{
  uint64_t covered;
  uint64_t low_water;

  if (ctx->ssn_step == 0)
    return 0;

  /* Persist again once fewer than K/2 (at least 1) numbers remain covered. */
  covered = ctx->ssn_limit > ctx->ssn ? ctx->ssn_limit - ctx->ssn : 0;
  low_water = ctx->ssn_step / 2 > 0 ? ctx->ssn_step / 2 : 1;
  if (covered >= low_water)
    return 0;
  *bound = ctx->ssn + ctx->ssn_step;
  return 1;
}

int gkdc_oscore_ssn_persisted(struct gkdc_oscore_ctx *ctx, uint64_t bound)
{
  /* A bound below the one persisted before would let a restart reuse
   * numbers: the covered range only grows. */
  if (ctx->ssn_step == 0 || bound < ctx->ssn_limit)
    return 0;
  ctx->ssn_limit = bound;
  return 1;
}
