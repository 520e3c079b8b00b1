/*
 * The Group OSCORE security context of a joining node: parsing the
 * Group_OSCORE_Input_Material object, the key derivations of RFC 10021
 * section 2, peers and updates. The header describes every derivation.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/crypto.h>
#include <gkdc/groupctx.h>

#include "groupctx_internal.h"

/* ECDH-SS + HKDF-512, the Pairwise Key Agreement Algorithm of groups
 * whose HKDF uses SHA-512 (RFC 10021 section 2.1.10). */
#define COSE_ALG_ECDH_SS_HKDF_512 (-28)

/* Nonce length of a Group Encryption Algorithm without integrity (A128CTR
 * and its siblings): 12 bytes, with the counter block nonce || 0x00000000
 * (RFC 10021 section 3.3). */
#define CTR_NONCE_LEN 12

const char *gkdc_groupctx_err_str(int err)
{
  switch (err) {
  case GKDC_GROUPCTX_OK: return "success";
  case GKDC_GROUPCTX_ERR_MALFORMED: return "malformed keying material";
  case GKDC_GROUPCTX_ERR_MISSING: return "required keying material field missing";
  case GKDC_GROUPCTX_ERR_UNSUPPORTED: return "unsupported algorithm or curve";
  case GKDC_GROUPCTX_ERR_SENDER_ID: return "invalid or duplicate Sender ID";
  case GKDC_GROUPCTX_ERR_KEY: return "unusable key";
  case GKDC_GROUPCTX_ERR_CRYPTO: return "crypto provider failure";
  case GKDC_GROUPCTX_ERR_NOMEM: return "out of memory";
  case GKDC_GROUPCTX_ERR_BUFFER: return "buffer too small";
  case GKDC_GROUPCTX_ERR_IO: return "cannot write the context file";
  case GKDC_GROUPCTX_ERR_NOT_FOUND: return "no such peer";
  default: return "unknown error";
  }
}

static int fail(int *err, int code)
{
  if (err != NULL)
    *err = code;
  return 0;
}

/* ---- Group_OSCORE_Input_Material ---- */

/* Reads an algorithm value; text-string algorithms are not supported. */
static int read_alg(struct gkdc_cbor_dec *d, int32_t *out, int *code)
{
  int64_t v;
  enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(d);

  if (t == GKDC_CBOR_TYPE_TSTR) {
    *code = GKDC_GROUPCTX_ERR_UNSUPPORTED;
    return 0;
  }
  if (!gkdc_cbor_dec_get_int(d, &v) || v < INT32_MIN || v > INT32_MAX || v == 0) {
    *code = GKDC_GROUPCTX_ERR_MALFORMED;
    return 0;
  }
  *out = (int32_t)v;
  return 1;
}

/*
 * Reads sign_params or ecdh_params, [alg_capab, key_type_capab] with
 * key_type_capab = [kty] or [kty, crv], and keeps kty and crv.
 */
static int read_params(struct gkdc_cbor_dec *d, int32_t *kty, int32_t *crv, int *code)
{
  size_t n = 0;
  size_t k = 0;
  int64_t v_kty = 0;
  int64_t v_crv = 0;

  *code = GKDC_GROUPCTX_ERR_MALFORMED;
  if (!gkdc_cbor_dec_enter_array(d, &n) || n < 2)
    return 0;
  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_ARRAY)
    return 0;
  gkdc_cbor_dec_skip(d);
  if (!gkdc_cbor_dec_enter_array(d, &k) || k < 1 || k > 2)
    return 0;
  if (!gkdc_cbor_dec_get_int(d, &v_kty))
    return 0;
  if (k == 2) {
    if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TSTR) {
      *code = GKDC_GROUPCTX_ERR_UNSUPPORTED;
      return 0;
    }
    if (!gkdc_cbor_dec_get_int(d, &v_crv))
      return 0;
  }
  if (!gkdc_cbor_dec_exit(d) || !gkdc_cbor_dec_exit(d))
    return 0;
  if (v_kty < INT32_MIN || v_kty > INT32_MAX || v_crv < INT32_MIN || v_crv > INT32_MAX)
    return 0;

  *kty = (int32_t)v_kty;
  *crv = (int32_t)v_crv;
  return 1;
}

int gkdc_groupctx_material_parse(const uint8_t *key, size_t key_len,
                                 struct gkdc_groupctx_material *out, int *err)
{
  struct gkdc_cbor_dec d;
  struct gkdc_groupctx_material m;
  int code = GKDC_GROUPCTX_ERR_MALFORMED;
  int ok = 1;

  memset(&m, 0, sizeof(m));
  m.size = sizeof(m);
  m.hkdf = GKDC_COSE_ALG_HMAC_256_256;

  if (key == NULL || gkdc_cbor_dec_init(&d, key, key_len, NULL) != GKDC_CBOR_OK)
    return fail(err, GKDC_GROUPCTX_ERR_MALFORMED);
  if (!gkdc_cbor_dec_enter_map(&d, NULL))
    return fail(err, GKDC_GROUPCTX_ERR_MALFORMED);

  while (ok && !gkdc_cbor_dec_at_end(&d)) {
    enum gkdc_cbor_type kt = gkdc_cbor_dec_peek_type(&d);
    int64_t label;

    if (kt != GKDC_CBOR_TYPE_UINT && kt != GKDC_CBOR_TYPE_NEGINT) {
      /* A label this profile does not define: skip the pair. */
      ok = gkdc_cbor_dec_skip(&d) && gkdc_cbor_dec_skip(&d);
      continue;
    }
    if (!gkdc_cbor_dec_get_int(&d, &label)) {
      ok = 0;
      break;
    }

    switch (label) {
    case GKDC_OSC_KEY_MS:
      ok = gkdc_cbor_dec_get_bstr(&d, &m.ms);
      break;
    case GKDC_OSC_KEY_HKDF:
      ok = read_alg(&d, &m.hkdf, &code);
      if (ok && !gkdc_crypto_hkdf_hash(m.hkdf, NULL)) {
        code = GKDC_GROUPCTX_ERR_UNSUPPORTED;
        ok = 0;
      }
      break;
    case GKDC_OSC_KEY_ALG:
      ok = read_alg(&d, &m.alg, &code);
      break;
    case GKDC_OSC_KEY_SALT:
      ok = gkdc_cbor_dec_get_bstr(&d, &m.salt);
      break;
    case GKDC_OSC_KEY_CONTEXT_ID:
      ok = gkdc_cbor_dec_get_bstr(&d, &m.gid);
      break;
    case GKDC_OSC_KEY_GROUP_SENDERID:
      ok = gkdc_cbor_dec_get_bstr(&d, &m.sender_id);
      if (ok && m.sender_id.len > GKDC_GROUPCTX_MAX_SID_LEN) {
        code = GKDC_GROUPCTX_ERR_SENDER_ID;
        ok = 0;
      }
      break;
    case GKDC_OSC_KEY_CRED_FMT:
      ok = gkdc_cbor_dec_get_int(&d, &m.cred_fmt);
      break;
    case GKDC_OSC_KEY_GP_ENC_ALG:
      ok = read_alg(&d, &m.gp_enc_alg, &code);
      break;
    case GKDC_OSC_KEY_SIGN_ALG:
      ok = read_alg(&d, &m.sign_alg, &code);
      break;
    case GKDC_OSC_KEY_SIGN_PARAMS:
      ok = read_params(&d, &m.sign_kty, &m.sign_curve, &code);
      break;
    case GKDC_OSC_KEY_ECDH_ALG:
      ok = read_alg(&d, &m.ecdh_alg, &code);
      break;
    case GKDC_OSC_KEY_ECDH_PARAMS:
      ok = read_params(&d, &m.ecdh_kty, &m.ecdh_curve, &code);
      break;
    default:
      ok = gkdc_cbor_dec_skip(&d);
      break;
    }
    if (ok && label >= 0 && label < 32)
      m.present |= GKDC_GROUPCTX_HAS(label);
  }

  if (!ok)
    return fail(err, code);
  gkdc_cbor_dec_exit(&d);
  if (gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return fail(err, GKDC_GROUPCTX_ERR_MALFORMED);

  *out = m;
  return 1;
}

/* ---- Memory helpers ---- */

static void buf_free(struct gctx_buf *b)
{
  if (b->ptr != NULL) {
    gkdc_wipe(b->ptr, b->len);
    free(b->ptr);
  }
  b->ptr = NULL;
  b->len = 0;
}

/* Copies `src` into `b`, replacing its content. An empty source gives an
 * empty buffer. */
static int buf_set(struct gctx_buf *b, const uint8_t *src, size_t len)
{
  uint8_t *p = NULL;

  if (len > 0) {
    p = malloc(len);
    if (p == NULL)
      return 0;
    memcpy(p, src, len);
  }
  buf_free(b);
  b->ptr = p;
  b->len = len;
  return 1;
}

static int bytes_eq(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
  return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static void peer_wipe(struct gctx_peer *p)
{
  buf_free(&p->cred);
  gkdc_wipe(p, sizeof(*p));
}

/* ---- Derivation ---- */

/* OSCORE nonce length of an algorithm entry, or 0 for an unusable one. */
static size_t alg_nonce_len(const struct gkdc_alg_info *a)
{
  if (a->cls == GKDC_ALG_AEAD)
    return a->nonce_len;
  if (a->cls == GKDC_ALG_CIPHER)
    return CTR_NONCE_LEN;
  return 0;
}

/* Checks the algorithm settings of `g` and computes its key and nonce
 * lengths. */
static int settings_check(struct gkdc_groupctx *g, int *err)
{
  const struct gkdc_alg_info *aead = NULL;
  const struct gkdc_alg_info *gea = NULL;
  int32_t hash;
  size_t min_nonce = 0;
  size_t max_nonce = 0;

  if (!gkdc_crypto_hkdf_hash(g->hkdf, &hash))
    return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  if (g->alg == 0 && g->gp_enc_alg == 0)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);

  if (g->alg != 0) {
    aead = gkdc_crypto_alg_info_get0(g->cx, g->alg);
    if (aead == NULL || aead->cls != GKDC_ALG_AEAD)
      return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  }
  if (g->gp_enc_alg != 0) {
    gea = gkdc_crypto_alg_info_get0(g->cx, g->gp_enc_alg);
    if (gea == NULL || alg_nonce_len(gea) == 0)
      return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  }

  /* The Pairwise Key Agreement Algorithm must use the group's HKDF. */
  if (g->ecdh_alg != 0) {
    int ok = (g->ecdh_alg == GKDC_COSE_ALG_ECDH_SS_HKDF_256 && hash == GKDC_COSE_ALG_SHA256) ||
             (g->ecdh_alg == COSE_ALG_ECDH_SS_HKDF_512 && hash == GKDC_COSE_ALG_SHA512);
    if (!ok)
      return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  }

  g->main_alg = gea != NULL ? g->gp_enc_alg : g->alg;
  g->key_len = gea != NULL ? gea->key_len : aead->key_len;
  g->pw_key_len = aead != NULL ? aead->key_len : 0;
  g->sek_len = gea != NULL ? gea->key_len : 0;
  if (aead != NULL) {
    min_nonce = alg_nonce_len(aead);
    max_nonce = min_nonce;
  }
  if (gea != NULL) {
    size_t n = alg_nonce_len(gea);
    if (min_nonce == 0 || n < min_nonce)
      min_nonce = n;
    if (n > max_nonce)
      max_nonce = n;
  }
  if (g->key_len == 0 || g->key_len > GKDC_MAX_KEY_LEN || max_nonce > GKDC_MAX_NONCE_LEN ||
      min_nonce <= 6)
    return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  g->iv_len = max_nonce;
  g->max_sid_len = min_nonce - 6;
  return 1;
}

/*
 * HKDF(salt, ikm, info = [id, Gid, alg, type, L], L) into out; L bytes.
 */
static int kdf(const struct gkdc_groupctx *g, const uint8_t *salt, size_t salt_len,
               const uint8_t *ikm, size_t ikm_len, const uint8_t *id, size_t id_len,
               int32_t alg, const char *type, size_t l, uint8_t *out)
{
  uint8_t info[GCTX_MAX_GID_LEN + GKDC_GROUPCTX_MAX_SID_LEN + 32];
  struct gkdc_cbor_enc e;
  size_t info_len = 0;

  gkdc_cbor_enc_init(&e, info, sizeof(info));
  gkdc_cbor_enc_put_array(&e, 5);
  gkdc_cbor_enc_put_bstr(&e, id, id_len);
  gkdc_cbor_enc_put_bstr(&e, g->gid.ptr, g->gid.len);
  gkdc_cbor_enc_put_int(&e, alg);
  gkdc_cbor_enc_put_tstr_z(&e, type);
  gkdc_cbor_enc_put_uint(&e, l);
  if (gkdc_cbor_enc_finish(&e, &info_len) != GKDC_CBOR_OK)
    return 0;

  return gkdc_crypto_hkdf(g->cx, g->hkdf, salt, salt_len, ikm, ikm_len, info, info_len,
                          out, l);
}

/*
 * Converts a key of `curve` to the group's ECDH curve: X25519 keys are used
 * as they are, Ed25519 keys are mapped to X25519, P-256 keys must be on a
 * P-256 group. `is_priv` selects the private or the public mapping.
 */
static int dh_key(const struct gkdc_groupctx *g, int32_t curve, const uint8_t *in,
                  size_t in_len, int is_priv, uint8_t *out, size_t *out_len)
{
  if (g->ecdh_curve == GKDC_COSE_CRV_X25519) {
    if (in_len != 32)
      return 0;
    if (curve == GKDC_COSE_CRV_X25519) {
      memcpy(out, in, 32);
    } else if (curve == GKDC_COSE_CRV_ED25519) {
      int ok = is_priv ? gkdc_crypto_ed25519_priv_to_x25519(g->cx, in, out)
                       : gkdc_crypto_ed25519_pub_to_x25519(g->cx, in, out);
      if (!ok)
        return 0;
    } else {
      return 0;
    }
    *out_len = 32;
    return 1;
  }
  if (g->ecdh_curve == GKDC_COSE_CRV_P256 && curve == GKDC_COSE_CRV_P256) {
    if (in_len > GKDC_MAX_PUB_LEN)
      return 0;
    memcpy(out, in, in_len);
    *out_len = in_len;
    return 1;
  }
  return 0;
}

/* True when the node can derive pairwise keys. */
static int can_pairwise(const struct gkdc_groupctx *g)
{
  return g->alg != 0 && g->ecdh_alg != 0 && g->has_sender && g->own_priv.len > 0 &&
         g->own_cred.len > 0;
}

/* Derives the Recipient Key and, where possible, the pairwise keys of `p`. */
static int derive_peer(const struct gkdc_groupctx *g, struct gctx_peer *p, int *err)
{
  uint8_t own_dh[GKDC_MAX_PRIV_LEN];
  uint8_t peer_dh[GKDC_MAX_PUB_LEN];
  uint8_t secret[64];
  size_t own_dh_len = 0;
  size_t peer_dh_len = 0;
  size_t secret_len = sizeof(secret);
  uint8_t *ikm = NULL;
  size_t ikm_len;
  int code = GKDC_GROUPCTX_ERR_CRYPTO;
  int ok = 0;

  if (p->sid_len > g->max_sid_len)
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  if (g->has_sender && bytes_eq(p->sid, p->sid_len, g->sid, g->sid_len))
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);

  if (!kdf(g, g->salt.ptr, g->salt.len, g->ms.ptr, g->ms.len, p->sid, p->sid_len,
           g->main_alg, "Key", g->key_len, p->recipient_key))
    return fail(err, GKDC_GROUPCTX_ERR_CRYPTO);

  p->has_pairwise = 0;
  if (!can_pairwise(g) || p->pub_len == 0 || p->cred.len == 0)
    return 1;
  if (g->ecdh_curve == 0)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);

  /* Static-static ECDH secret of the own key and the peer's key. */
  code = GKDC_GROUPCTX_ERR_KEY;
  if (!dh_key(g, g->own_curve, g->own_priv.ptr, g->own_priv.len, 1, own_dh, &own_dh_len))
    goto out;
  if (!dh_key(g, p->curve, p->pub, p->pub_len, 0, peer_dh, &peer_dh_len))
    goto out;
  if (!gkdc_crypto_ecdh(g->cx, g->ecdh_curve, own_dh, own_dh_len, peer_dh, peer_dh_len,
                        secret, &secret_len))
    goto out;

  /* IKM-Sender = own credential | peer credential | shared secret. */
  code = GKDC_GROUPCTX_ERR_NOMEM;
  ikm_len = g->own_cred.len + p->cred.len + secret_len;
  ikm = malloc(ikm_len);
  if (ikm == NULL)
    goto out;
  memcpy(ikm, g->own_cred.ptr, g->own_cred.len);
  memcpy(ikm + g->own_cred.len, p->cred.ptr, p->cred.len);
  memcpy(ikm + g->own_cred.len + p->cred.len, secret, secret_len);

  code = GKDC_GROUPCTX_ERR_CRYPTO;
  if (!kdf(g, g->sender_key, g->key_len, ikm, ikm_len, g->sid, g->sid_len, g->alg, "Key",
           g->pw_key_len, p->pw_sender_key))
    goto out;

  /* IKM-Recipient = peer credential | own credential | shared secret. */
  memcpy(ikm, p->cred.ptr, p->cred.len);
  memcpy(ikm + p->cred.len, g->own_cred.ptr, g->own_cred.len);
  if (!kdf(g, p->recipient_key, g->key_len, ikm, ikm_len, p->sid, p->sid_len, g->alg, "Key",
           g->pw_key_len, p->pw_recipient_key))
    goto out;

  p->has_pairwise = 1;
  ok = 1;

out:
  if (ikm != NULL) {
    gkdc_wipe(ikm, ikm_len);
    free(ikm);
  }
  gkdc_wipe(own_dh, sizeof(own_dh));
  gkdc_wipe(secret, sizeof(secret));
  if (!ok)
    return fail(err, code);
  return 1;
}

/* Derives the Common Context, the Sender Context and every peer's keys. */
static int derive_all(struct gkdc_groupctx *g, int *err)
{
  size_t i;

  if (!settings_check(g, err))
    return 0;
  if (g->has_sender && g->sid_len > g->max_sid_len)
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);

  if (!kdf(g, g->salt.ptr, g->salt.len, g->ms.ptr, g->ms.len, NULL, 0, g->main_alg, "IV",
           g->iv_len, g->common_iv))
    return fail(err, GKDC_GROUPCTX_ERR_CRYPTO);

  if (g->gp_enc_alg != 0 &&
      !kdf(g, g->salt.ptr, g->salt.len, g->ms.ptr, g->ms.len, NULL, 0, g->gp_enc_alg,
           "SEKey", g->sek_len, g->sign_enc_key))
    return fail(err, GKDC_GROUPCTX_ERR_CRYPTO);

  if (g->has_sender &&
      !kdf(g, g->salt.ptr, g->salt.len, g->ms.ptr, g->ms.len, g->sid, g->sid_len,
           g->main_alg, "Key", g->key_len, g->sender_key))
    return fail(err, GKDC_GROUPCTX_ERR_CRYPTO);

  for (i = 0; i < g->peer_count; i++)
    if (!derive_peer(g, &g->peers[i], err))
      return 0;
  return 1;
}

/* Copies the algorithm fields that `m` carries into `g`. `all` takes every
 * field, with absent ones as "not set". */
static void settings_apply(struct gkdc_groupctx *g, const struct gkdc_groupctx_material *m,
                           int all)
{
#define TAKE(label) (all || (m->present & GKDC_GROUPCTX_HAS(label)))
  if (TAKE(GKDC_OSC_KEY_HKDF))
    g->hkdf = m->hkdf;
  if (TAKE(GKDC_OSC_KEY_ALG))
    g->alg = m->alg;
  if (TAKE(GKDC_OSC_KEY_CRED_FMT))
    g->cred_fmt = m->cred_fmt;
  if (TAKE(GKDC_OSC_KEY_GP_ENC_ALG))
    g->gp_enc_alg = m->gp_enc_alg;
  if (TAKE(GKDC_OSC_KEY_SIGN_ALG))
    g->sign_alg = m->sign_alg;
  if (TAKE(GKDC_OSC_KEY_SIGN_PARAMS)) {
    g->sign_kty = m->sign_kty;
    g->sign_curve = m->sign_curve;
  }
  if (TAKE(GKDC_OSC_KEY_ECDH_ALG))
    g->ecdh_alg = m->ecdh_alg;
  if (TAKE(GKDC_OSC_KEY_ECDH_PARAMS)) {
    g->ecdh_kty = m->ecdh_kty;
    g->ecdh_curve = m->ecdh_curve;
  }
#undef TAKE
}

/* Checks what an update or a new context takes from `m`. */
static int material_check(const struct gkdc_groupctx_material *m, int *err)
{
  if (!(m->present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_MS)) ||
      !(m->present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_CONTEXT_ID)))
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (m->gid.len > GCTX_MAX_GID_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  if (m->sender_id.len > GKDC_GROUPCTX_MAX_SID_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  return 1;
}

/* ---- Lifecycle ---- */

void gkdc_groupctx_free(gkdc_groupctx *g)
{
  size_t i;

  if (g == NULL)
    return;
  for (i = 0; i < g->peer_count; i++)
    peer_wipe(&g->peers[i]);
  free(g->peers);
  buf_free(&g->ms);
  buf_free(&g->salt);
  buf_free(&g->gid);
  buf_free(&g->own_cred);
  buf_free(&g->own_priv);
  buf_free(&g->gm_cred);
  gkdc_wipe(g, sizeof(*g));
  free(g);
}

/* Deep copy of `g`, for updates that must not touch `g` until they
 * succeeded. */
static struct gkdc_groupctx *ctx_clone(const struct gkdc_groupctx *g)
{
  struct gkdc_groupctx *c = calloc(1, sizeof(*c));
  size_t i;

  if (c == NULL)
    return NULL;
  *c = *g;
  c->ms.ptr = c->salt.ptr = c->gid.ptr = NULL;
  c->own_cred.ptr = c->own_priv.ptr = c->gm_cred.ptr = NULL;
  c->peers = NULL;
  c->peer_count = c->peer_cap = 0;

  if (!buf_set(&c->ms, g->ms.ptr, g->ms.len) || !buf_set(&c->salt, g->salt.ptr, g->salt.len) ||
      !buf_set(&c->gid, g->gid.ptr, g->gid.len) ||
      !buf_set(&c->own_cred, g->own_cred.ptr, g->own_cred.len) ||
      !buf_set(&c->own_priv, g->own_priv.ptr, g->own_priv.len) ||
      !buf_set(&c->gm_cred, g->gm_cred.ptr, g->gm_cred.len))
    goto fail;

  if (g->peer_count > 0) {
    c->peers = calloc(g->peer_count, sizeof(*c->peers));
    if (c->peers == NULL)
      goto fail;
    c->peer_cap = g->peer_count;
    for (i = 0; i < g->peer_count; i++) {
      c->peers[i] = g->peers[i];
      c->peers[i].cred.ptr = NULL;
      c->peers[i].cred.len = 0;
      c->peer_count = i + 1;
      if (!buf_set(&c->peers[i].cred, g->peers[i].cred.ptr, g->peers[i].cred.len))
        goto fail;
    }
  }
  return c;

fail:
  gkdc_groupctx_free(c);
  return NULL;
}

/* Moves the content of `from` into `g` and frees the old content. */
static void ctx_replace(struct gkdc_groupctx *g, struct gkdc_groupctx *from)
{
  struct gkdc_groupctx old = *g;

  *g = *from;
  *from = old;
  gkdc_groupctx_free(from);
}

int gkdc_groupctx_new(const struct gkdc_crypto *cx,
                      const struct gkdc_groupctx_material *m,
                      const struct gkdc_groupctx_own *own,
                      struct gkdc_bytes gm_cred, gkdc_groupctx **out, int *err)
{
  struct gkdc_groupctx *g;

  if (out != NULL)
    *out = NULL;
  if (cx == NULL || m == NULL || out == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (!material_check(m, err))
    return 0;
  if (own != NULL && own->priv.len > GKDC_MAX_PRIV_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_KEY);

  g = calloc(1, sizeof(*g));
  if (g == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  g->cx = cx;
  settings_apply(g, m, 1);

  g->has_sender = (m->present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_GROUP_SENDERID)) != 0;
  if (g->has_sender) {
    memcpy(g->sid, m->sender_id.ptr, m->sender_id.len);
    g->sid_len = m->sender_id.len;
  }

  if (!buf_set(&g->ms, m->ms.ptr, m->ms.len) || !buf_set(&g->salt, m->salt.ptr, m->salt.len) ||
      !buf_set(&g->gid, m->gid.ptr, m->gid.len) ||
      !buf_set(&g->gm_cred, gm_cred.ptr, gm_cred.len)) {
    gkdc_groupctx_free(g);
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  }
  if (own != NULL) {
    g->own_curve = own->curve;
    if (!buf_set(&g->own_cred, own->cred.ptr, own->cred.len) ||
        !buf_set(&g->own_priv, own->priv.ptr, own->priv.len)) {
      gkdc_groupctx_free(g);
      return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
    }
  }

  if (!derive_all(g, err)) {
    gkdc_groupctx_free(g);
    return 0;
  }
  *out = g;
  return 1;
}

/* Index of the peer with Sender ID `sid`, or -1. */
static long peer_index(const struct gkdc_groupctx *g, const uint8_t *sid, size_t sid_len)
{
  size_t i;

  for (i = 0; i < g->peer_count; i++)
    if (bytes_eq(g->peers[i].sid, g->peers[i].sid_len, sid, sid_len))
      return (long)i;
  return -1;
}

int gkdc_groupctx_peer_add(gkdc_groupctx *g, const struct gkdc_groupctx_peer *p, int *err)
{
  struct gctx_peer np;
  long at;

  if (g == NULL || p == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (p->sender_id.len > GKDC_GROUPCTX_MAX_SID_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  if (p->pub.len > GKDC_MAX_PUB_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_KEY);

  memset(&np, 0, sizeof(np));
  if (p->sender_id.len > 0)
    memcpy(np.sid, p->sender_id.ptr, p->sender_id.len);
  np.sid_len = p->sender_id.len;
  if (p->pub.len > 0)
    memcpy(np.pub, p->pub.ptr, p->pub.len);
  np.pub_len = p->pub.len;
  np.curve = p->curve;
  np.roles = p->roles;
  if (!buf_set(&np.cred, p->cred.ptr, p->cred.len))
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);

  if (!derive_peer(g, &np, err)) {
    peer_wipe(&np);
    return 0;
  }

  at = peer_index(g, np.sid, np.sid_len);
  if (at >= 0) {
    peer_wipe(&g->peers[at]);
    g->peers[at] = np;
    return 1;
  }
  if (g->peer_count == g->peer_cap) {
    size_t cap = g->peer_cap == 0 ? 8 : g->peer_cap * 2;
    struct gctx_peer *n = calloc(cap, sizeof(*n));

    if (n == NULL) {
      peer_wipe(&np);
      return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
    }
    if (g->peer_count > 0)
      memcpy(n, g->peers, g->peer_count * sizeof(*n));
    if (g->peers != NULL) {
      gkdc_wipe(g->peers, g->peer_cap * sizeof(*g->peers));
      free(g->peers);
    }
    g->peers = n;
    g->peer_cap = cap;
  }
  g->peers[g->peer_count++] = np;
  return 1;
}

int gkdc_groupctx_peer_remove(gkdc_groupctx *g, struct gkdc_bytes sender_id, int *err)
{
  long at;

  if (g == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  at = peer_index(g, sender_id.ptr, sender_id.len);
  if (at < 0)
    return fail(err, GKDC_GROUPCTX_ERR_NOT_FOUND);

  peer_wipe(&g->peers[at]);
  if ((size_t)at + 1 < g->peer_count)
    memmove(&g->peers[at], &g->peers[at + 1],
            (g->peer_count - (size_t)at - 1) * sizeof(*g->peers));
  g->peer_count--;
  memset(&g->peers[g->peer_count], 0, sizeof(*g->peers));
  return 1;
}

int gkdc_groupctx_rekey(gkdc_groupctx *g, const struct gkdc_groupctx_material *m, int *err)
{
  struct gkdc_groupctx *c;

  if (g == NULL || m == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (!material_check(m, err))
    return 0;

  c = ctx_clone(g);
  if (c == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  settings_apply(c, m, 0);
  if (!buf_set(&c->ms, m->ms.ptr, m->ms.len) || !buf_set(&c->salt, m->salt.ptr, m->salt.len) ||
      !buf_set(&c->gid, m->gid.ptr, m->gid.len)) {
    gkdc_groupctx_free(c);
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  }
  if (m->present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_GROUP_SENDERID)) {
    c->has_sender = 1;
    memcpy(c->sid, m->sender_id.ptr, m->sender_id.len);
    c->sid_len = m->sender_id.len;
  }

  if (!derive_all(c, err)) {
    gkdc_groupctx_free(c);
    return 0;
  }
  ctx_replace(g, c);
  return 1;
}

int gkdc_groupctx_sender_id_set(gkdc_groupctx *g, struct gkdc_bytes sender_id, int *err)
{
  struct gkdc_groupctx *c;

  if (g == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (sender_id.len > GKDC_GROUPCTX_MAX_SID_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_SENDER_ID);

  c = ctx_clone(g);
  if (c == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  c->has_sender = 1;
  if (sender_id.len > 0)
    memcpy(c->sid, sender_id.ptr, sender_id.len);
  c->sid_len = sender_id.len;

  if (!derive_all(c, err)) {
    gkdc_groupctx_free(c);
    return 0;
  }
  ctx_replace(g, c);
  return 1;
}

int gkdc_groupctx_own_set(gkdc_groupctx *g, const struct gkdc_groupctx_own *own, int *err)
{
  struct gkdc_groupctx *c;

  if (g == NULL || own == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (own->priv.len > GKDC_MAX_PRIV_LEN)
    return fail(err, GKDC_GROUPCTX_ERR_KEY);

  c = ctx_clone(g);
  if (c == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  c->own_curve = own->curve;
  if (!buf_set(&c->own_cred, own->cred.ptr, own->cred.len) ||
      !buf_set(&c->own_priv, own->priv.ptr, own->priv.len)) {
    gkdc_groupctx_free(c);
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  }

  if (!derive_all(c, err)) {
    gkdc_groupctx_free(c);
    return 0;
  }
  ctx_replace(g, c);
  return 1;
}

/* ---- Accessors ---- */

static struct gkdc_bytes view(const uint8_t *p, size_t len)
{
  struct gkdc_bytes b;

  b.ptr = p;
  b.len = len;
  return b;
}

void gkdc_groupctx_info_get(const gkdc_groupctx *g, struct gkdc_groupctx_info *out)
{
  memset(out, 0, sizeof(*out));
  out->gid = view(g->gid.ptr, g->gid.len);
  out->ms = view(g->ms.ptr, g->ms.len);
  out->salt = view(g->salt.ptr, g->salt.len);
  out->hkdf = g->hkdf;
  out->alg = g->alg;
  out->gp_enc_alg = g->gp_enc_alg;
  out->sign_alg = g->sign_alg;
  out->ecdh_alg = g->ecdh_alg;
  out->sign_kty = g->sign_kty;
  out->sign_curve = g->sign_curve;
  out->ecdh_kty = g->ecdh_kty;
  out->ecdh_curve = g->ecdh_curve;
  out->cred_fmt = g->cred_fmt;
  out->group_mode = g->gp_enc_alg != 0 && g->sign_alg != 0;
  out->pairwise_mode = g->alg != 0 && g->ecdh_alg != 0;
  out->has_sender = g->has_sender;
  if (g->has_sender) {
    out->sender_id = view(g->sid, g->sid_len);
    out->sender_key = view(g->sender_key, g->key_len);
  }
  out->common_iv = view(g->common_iv, g->iv_len);
  if (g->gp_enc_alg != 0)
    out->sign_enc_key = view(g->sign_enc_key, g->sek_len);
  out->own_cred = view(g->own_cred.ptr, g->own_cred.len);
  out->gm_cred = view(g->gm_cred.ptr, g->gm_cred.len);
  out->max_sid_len = g->max_sid_len;
}

size_t gkdc_groupctx_peer_count(const gkdc_groupctx *g)
{
  return g == NULL ? 0 : g->peer_count;
}

static void recipient_fill(const struct gkdc_groupctx *g, const struct gctx_peer *p,
                           struct gkdc_groupctx_recipient *out)
{
  memset(out, 0, sizeof(*out));
  out->recipient_id = view(p->sid, p->sid_len);
  out->cred = view(p->cred.ptr, p->cred.len);
  out->roles = p->roles;
  out->recipient_key = view(p->recipient_key, g->key_len);
  out->has_pairwise = p->has_pairwise;
  if (p->has_pairwise) {
    out->pairwise_sender_key = view(p->pw_sender_key, g->pw_key_len);
    out->pairwise_recipient_key = view(p->pw_recipient_key, g->pw_key_len);
  }
}

int gkdc_groupctx_peer_get(const gkdc_groupctx *g, size_t i,
                           struct gkdc_groupctx_recipient *out)
{
  if (g == NULL || i >= g->peer_count)
    return 0;
  recipient_fill(g, &g->peers[i], out);
  return 1;
}

int gkdc_groupctx_peer_find(const gkdc_groupctx *g, struct gkdc_bytes sender_id,
                            struct gkdc_groupctx_recipient *out)
{
  long at;

  if (g == NULL)
    return 0;
  at = peer_index(g, sender_id.ptr, sender_id.len);
  if (at < 0)
    return 0;
  recipient_fill(g, &g->peers[at], out);
  return 1;
}
