/*
 * appprofile-group-oscore: group configurations, their defaults (section
 * 14 of draft-ietf-ace-key-groupcomm-oscore-21) and their validation.
 */
#include <string.h>

#include <gkdc/pop.h>

#include "osc_internal.h"

#define CODE_400 GKDC_CODE(4, 0)
#define CODE_503 GKDC_CODE(5, 3)
/* "Unsupported group configuration" of the admin interface
 * (draft-ietf-ace-oscore-gm-admin-17, IANA-registered, not yet an RFC). */
#define ERR_UNSUPPORTED_CONFIG 12

/*
 * AEAD and group encryption algorithms with their OSCORE nonce lengths.
 * Group OSCORE uses a 12-byte nonce with the CTR ciphers, and a Sender ID
 * has at most the nonce length minus 6 bytes.
 */
static const struct osc_aead aeads[] = {
    {GKDC_COSE_ALG_AES_CCM_16_64_128, "AES-CCM-16-64-128", 16, 13, 1},
    {GKDC_COSE_ALG_AES_CCM_16_128_128, "AES-CCM-16-128-128", 16, 13, 1},
    {GKDC_COSE_ALG_A128GCM, "A128GCM", 16, 12, 1},
    {GKDC_COSE_ALG_A256GCM, "A256GCM", 32, 12, 1},
    {GKDC_COSE_ALG_CHACHA20_POLY1305, "ChaCha20/Poly1305", 32, 12, 1},
    {GKDC_COSE_ALG_A128CTR, "A128CTR", 16, 12, 0},
};

const struct osc_aead *osc_aead_find(int32_t id)
{
  size_t i;

  for (i = 0; i < sizeof(aeads) / sizeof(aeads[0]); i++)
    if (aeads[i].id == id)
      return &aeads[i];
  return NULL;
}

/* Encoded [[kty], [kty, crv]] of the key types gkdc implements. */
static const uint8_t params_okp_ed25519[] = {0x82, 0x81, 0x01, 0x82, 0x01, 0x06};
static const uint8_t params_okp_x25519[] = {0x82, 0x81, 0x01, 0x82, 0x01, 0x04};
static const uint8_t params_ec2_p256[] = {0x82, 0x81, 0x02, 0x82, 0x02, 0x01};

static struct gkdc_bytes params_of(int32_t kty, int32_t crv)
{
  struct gkdc_bytes b = {NULL, 0};

  if (kty == GKDC_COSE_KTY_OKP && crv == GKDC_COSE_CRV_ED25519)
    b.ptr = params_okp_ed25519;
  else if (kty == GKDC_COSE_KTY_OKP && crv == GKDC_COSE_CRV_X25519)
    b.ptr = params_okp_x25519;
  else if (kty == GKDC_COSE_KTY_EC2 && crv == GKDC_COSE_CRV_P256)
    b.ptr = params_ec2_p256;
  if (b.ptr != NULL)
    b.len = 6;
  return b;
}

int osc_params_key(struct gkdc_bytes params, int32_t *kty, int32_t *crv)
{
  struct gkdc_cbor_dec d;
  int64_t a = 0, b = 0, c = 0;
  size_t n = 0, n1 = 0, n2 = 0;

  if (gkdc_cbor_dec_init(&d, params.ptr, params.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n) || n != 2 ||
      !gkdc_cbor_dec_enter_array(&d, &n1) || n1 != 1 || !gkdc_cbor_dec_get_int(&d, &a) ||
      !gkdc_cbor_dec_exit(&d) || !gkdc_cbor_dec_enter_array(&d, &n2) || n2 != 2 ||
      !gkdc_cbor_dec_get_int(&d, &b) || !gkdc_cbor_dec_get_int(&d, &c) ||
      !gkdc_cbor_dec_exit(&d) || !gkdc_cbor_dec_exit(&d) ||
      gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK || a != b || a < INT32_MIN ||
      a > INT32_MAX || c < INT32_MIN || c > INT32_MAX)
    return 0;
  *kty = (int32_t)a;
  *crv = (int32_t)c;
  return 1;
}

/* Reads an int setting that may be null (null leaves *out at 0). */
static int get_alg(struct gkdc_cbor_dec *map, int64_t key, int *present,
                   int *is_null, int32_t *out)
{
  struct gkdc_cbor_dec v;
  int64_t x = 0;

  *present = gkdc_cbor_dec_map_find_int(map, key, &v);
  *is_null = 0;
  if (!*present)
    return 1;
  if (gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_NULL) {
    *is_null = 1;
    return gkdc_cbor_dec_get_null(&v);
  }
  if (!gkdc_cbor_dec_get_int(&v, &x) || x < INT32_MIN || x > INT32_MAX)
    return 0;
  *out = (int32_t)x;
  return 1;
}

static int get_bool(struct gkdc_cbor_dec *map, int64_t key, int *out)
{
  struct gkdc_cbor_dec v;

  if (!gkdc_cbor_dec_map_find_int(map, key, &v))
    return 1;
  return gkdc_cbor_dec_get_bool(&v, out);
}

static int get_uint(struct gkdc_cbor_dec *map, int64_t key, uint64_t max, uint64_t *out)
{
  struct gkdc_cbor_dec v;
  uint64_t x;

  if (!gkdc_cbor_dec_map_find_int(map, key, &v))
    return 1;
  if (!gkdc_cbor_dec_get_uint(&v, &x) || x > max)
    return 0;
  *out = x;
  return 1;
}

/* Reads a [[kty], [kty, crv]] setting that may be null or absent. */
static int get_params(struct gkdc_cbor_dec *map, int64_t key, int *present,
                      int32_t *kty, int32_t *crv)
{
  struct gkdc_cbor_dec v;
  struct gkdc_bytes raw;

  *present = 0;
  if (!gkdc_cbor_dec_map_find_int(map, key, &v))
    return 1;
  if (gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_NULL)
    return gkdc_cbor_dec_get_null(&v);
  if (!gkdc_cbor_dec_get_raw(&v, &raw) || !osc_params_key(raw, kty, crv))
    return 0;
  *present = 1;
  return 1;
}

/* 1 when the host's alg plugins implement `alg` (or there is no adapter to ask). */
static int alg_available(const struct osc_state *s, int32_t alg)
{
  return s->cx == NULL || gkdc_crypto_alg_info_get0(s->cx, alg) != NULL;
}

static int unsupported(struct osc_state *s, struct gkdc_ap_fail *fail,
                       const char *group, const char *what, long long value)
{
  osc_fail(s, fail, CODE_503, ERR_UNSUPPORTED_CONFIG, "group %s: unsupported %s %lld",
           group, what, value);
  osc_log(s, GKDC_LOG_ERR, "%s", s->detail);
  return 0;
}

static int malformed(struct osc_state *s, struct gkdc_ap_fail *fail,
                     const char *group, const char *what)
{
  osc_fail(s, fail, CODE_400, -1, "group %s: invalid group configuration: %s", group, what);
  osc_log(s, GKDC_LOG_ERR, "%s", s->detail);
  return 0;
}

/* Reads gkdc's private settings of the map into *c. */
static int decode_private(struct osc_state *s, const char *group,
                          struct gkdc_cbor_dec *map, struct osc_cfg *c,
                          struct gkdc_ap_fail *fail)
{
  struct gkdc_cbor_dec v;
  uint64_t x;

  if (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_GID_PREFIX, &v)) {
    struct gkdc_bytes p;

    if (!gkdc_cbor_dec_get_bstr(&v, &p) || p.len > OSC_GID_PREFIX_MAX)
      return malformed(s, fail, group, "the Gid prefix must be a byte string of 0 to 8 bytes");
    memcpy(c->prefix, p.ptr, p.len);
    c->prefix_len = p.len;
    c->has_prefix = 1;
  }
  x = c->epoch_len;
  if (!get_uint(map, GKDC_OSC_CFG_GID_EPOCH_LEN, 4, &x) || x == 0)
    return malformed(s, fail, group, "the Gid epoch length must be 1 to 4 bytes");
  c->epoch_len = (size_t)x;
  if (!get_uint(map, GKDC_OSC_CFG_GID_EPOCH_START, UINT32_MAX, &c->epoch_start) ||
      (c->epoch_len < 8 && c->epoch_start >> (8 * c->epoch_len) != 0))
    return malformed(s, fail, group, "the first Gid epoch does not fit the epoch length");
  x = 0;
  if (!get_uint(map, GKDC_OSC_CFG_MAX_SID_LEN, GKDC_STORE_SID_MAX, &x) ||
      (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_MAX_SID_LEN, &v) && x == 0))
    return malformed(s, fail, group, "the maximum Sender ID length must be 1 to 7 bytes");
  c->max_sid_len = (size_t)x;
  x = (uint64_t)-1;
  if (!get_uint(map, GKDC_OSC_CFG_OAUTH_LABELS, GKDC_OSC_OAUTH_BOTH, &x))
    return malformed(s, fail, group, "oauth_labels must be 0 (rfc), 1 (java) or 2 (both)");
  c->oauth_labels = x == (uint64_t)-1 ? -1 : (int)x;
  if (!get_bool(map, GKDC_OSC_CFG_ECDSA_DER, &c->ecdsa_der))
    return malformed(s, fail, group, "ecdsa_der must be a boolean");
  if (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_MASTER_SECRET, &v)) {
    if (!gkdc_cbor_dec_get_bstr(&v, &c->ms) || c->ms.len < 16 || c->ms.len > 64)
      return malformed(s, fail, group, "the Master Secret must have 16 to 64 bytes");
    c->has_ms = 1;
  }
  if (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_MASTER_SALT, &v)) {
    if (!gkdc_cbor_dec_get_bstr(&v, &c->salt) || c->salt.len > 64)
      return malformed(s, fail, group, "the Master Salt must have 0 to 64 bytes");
    c->has_salt = 1;
  }
  if (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_SENDER_IDS, &v)) {
    size_t n = 0, i;

    if (!gkdc_cbor_dec_enter_array(&v, &n) || n > OSC_SENDER_IDS_MAX)
      return malformed(s, fail, group, "sender_ids must be an array of at most 16 byte strings");
    for (i = 0; i < n; i++)
      if (!gkdc_cbor_dec_get_bstr(&v, &c->sender_ids[i]) || c->sender_ids[i].len == 0 ||
          c->sender_ids[i].len > GKDC_STORE_SID_MAX)
        return malformed(s, fail, group, "each Sender ID must have 1 to 7 bytes");
    c->sender_id_count = n;
  }
  if (gkdc_cbor_dec_map_find_int(map, GKDC_OSC_CFG_KDC_DH_CRED, &v) &&
      (!gkdc_cbor_dec_get_bstr(&v, &c->kdc_dh_cred) || c->kdc_dh_cred.len == 0 ||
       c->kdc_dh_cred.len > GKDC_CRED_MAX_LEN))
    return malformed(s, fail, group, "kdc_dh_cred must be a non-empty byte string");
  return 1;
}

/* Checks the group-mode settings and completes them with the defaults. */
static int decode_group_mode(struct osc_state *s, const char *group,
                             struct gkdc_cbor_dec *map, struct osc_cfg *c,
                             struct gkdc_ap_fail *fail)
{
  int p1, n1, p2, n2, p3;
  int32_t kty = 0, crv = 0;
  int want = (c->modes & GKDC_AP_MODE_GROUP) != 0;
  const struct osc_aead *a;

  c->gp_enc_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  c->sign_alg = GKDC_COSE_ALG_EDDSA;
  if (!get_alg(map, GKDC_OSC_CFG_GP_ENC_ALG, &p1, &n1, &c->gp_enc_alg) ||
      !get_alg(map, GKDC_OSC_CFG_SIGN_ALG, &p2, &n2, &c->sign_alg) ||
      !get_params(map, GKDC_OSC_CFG_SIGN_PARAMS, &p3, &kty, &crv))
    return malformed(s, fail, group, "gp_enc_alg, sign_alg or sign_params has the wrong type");
  if (!want) {
    c->gp_enc_alg = 0;
    c->sign_alg = 0;
    if ((p1 && !n1) || (p2 && !n2) || p3)
      return malformed(s, fail, group, "group-mode algorithms given without the group mode");
    return 1;
  }
  if (n1 || n2)
    return malformed(s, fail, group, "the group mode needs gp_enc_alg and sign_alg");

  if ((a = osc_aead_find(c->gp_enc_alg)) == NULL || !alg_available(s, c->gp_enc_alg))
    return unsupported(s, fail, group, "gp_enc_alg", c->gp_enc_alg);
  if (c->sign_alg == GKDC_COSE_ALG_EDDSA) {
    c->sign_kty = GKDC_COSE_KTY_OKP;
    c->sign_crv = GKDC_COSE_CRV_ED25519;
  } else if (c->sign_alg == GKDC_COSE_ALG_ES256) {
    c->sign_kty = GKDC_COSE_KTY_EC2;
    c->sign_crv = GKDC_COSE_CRV_P256;
  } else {
    return unsupported(s, fail, group, "sign_alg", c->sign_alg);
  }
  if (!alg_available(s, c->sign_alg))
    return unsupported(s, fail, group, "sign_alg", c->sign_alg);
  if (p3 && (kty != c->sign_kty || crv != c->sign_crv))
    return unsupported(s, fail, group, "sign_params curve", crv);
  return 1;
}

/* Checks the pairwise-mode settings and completes them with the defaults. */
static int decode_pairwise_mode(struct osc_state *s, const char *group,
                                struct gkdc_cbor_dec *map, struct osc_cfg *c,
                                struct gkdc_ap_fail *fail)
{
  int p1, n1, p2, n2, p3;
  int32_t kty = 0, crv = 0;
  int want = (c->modes & GKDC_AP_MODE_PAIRWISE) != 0;
  const struct osc_aead *a;

  c->alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  c->ecdh_alg = c->hkdf == GKDC_COSE_ALG_HMAC_512_512 ? -28 : GKDC_COSE_ALG_ECDH_SS_HKDF_256;
  if (!get_alg(map, GKDC_OSC_CFG_ALG, &p1, &n1, &c->alg) ||
      !get_alg(map, GKDC_OSC_CFG_ECDH_ALG, &p2, &n2, &c->ecdh_alg) ||
      !get_params(map, GKDC_OSC_CFG_ECDH_PARAMS, &p3, &kty, &crv))
    return malformed(s, fail, group, "alg, ecdh_alg or ecdh_params has the wrong type");
  if (!want) {
    c->alg = 0;
    c->ecdh_alg = 0;
    if ((p1 && !n1) || (p2 && !n2) || p3)
      return malformed(s, fail, group, "pairwise-mode algorithms given without the pairwise mode");
    return 1;
  }
  if (n1 || n2)
    return malformed(s, fail, group, "the pairwise mode needs alg and ecdh_alg");

  if ((a = osc_aead_find(c->alg)) == NULL || !a->is_aead || !alg_available(s, c->alg))
    return unsupported(s, fail, group, "alg (pairwise AEAD)", c->alg);
  /* The Pairwise Key Agreement Algorithm uses the group's HKDF. */
  if (!((c->ecdh_alg == GKDC_COSE_ALG_ECDH_SS_HKDF_256 && c->hkdf == GKDC_COSE_ALG_HMAC_256_256) ||
        (c->ecdh_alg == -28 && c->hkdf == GKDC_COSE_ALG_HMAC_512_512)))
    return unsupported(s, fail, group, "ecdh_alg for this hkdf", c->ecdh_alg);

  /* Default curve: the signing key's own curve (mapped to X25519 for
   * Ed25519), X25519 for pairwise-only groups. */
  if (!p3) {
    kty = c->sign_crv == GKDC_COSE_CRV_P256 ? GKDC_COSE_KTY_EC2 : GKDC_COSE_KTY_OKP;
    crv = c->sign_crv == GKDC_COSE_CRV_P256 ? GKDC_COSE_CRV_P256 : GKDC_COSE_CRV_X25519;
  }
  if (!((kty == GKDC_COSE_KTY_OKP && crv == GKDC_COSE_CRV_X25519) ||
        (kty == GKDC_COSE_KTY_EC2 && crv == GKDC_COSE_CRV_P256)))
    return unsupported(s, fail, group, "ecdh_params curve", crv);
  if ((c->modes & GKDC_AP_MODE_GROUP) &&
      ((c->sign_crv == GKDC_COSE_CRV_ED25519) != (crv == GKDC_COSE_CRV_X25519)))
    return unsupported(s, fail, group, "ecdh_params curve for the signature key", crv);
  c->ecdh_kty = kty;
  c->ecdh_crv = crv;
  return 1;
}

int osc_cfg_decode(struct osc_state *s, const char *group, const uint8_t *map,
                   size_t len, struct osc_cfg *c, struct gkdc_ap_fail *fail)
{
  struct gkdc_cbor_dec d, v;
  int group_mode = 1, pairwise_mode = 1, gid_reuse = 0;
  uint64_t x;
  int32_t hkdf = GKDC_COSE_ALG_HMAC_256_256;
  int p, n;

  memset(c, 0, sizeof(*c));
  c->hkdf = GKDC_COSE_ALG_HMAC_256_256;
  c->cred_fmt = GKDC_COSE_HDR_KCCS;
  c->active = 1;
  c->max_stale_sets = 3;
  c->epoch_len = 2;
  c->oauth_labels = -1;
  if (group == NULL)
    group = "(unnamed)";

  if (len == 0) {
    map = (const uint8_t *)"\xa0";
    len = 1;
  }
  if (gkdc_cbor_dec_init(&d, map, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL))
    return malformed(s, fail, group, "not a well-formed CBOR map");

  if (!get_alg(&d, GKDC_OSC_CFG_HKDF, &p, &n, &hkdf) || n)
    return malformed(s, fail, group, "hkdf must be an integer");
  if (hkdf != GKDC_COSE_ALG_HMAC_256_256 && hkdf != GKDC_COSE_ALG_HMAC_512_512)
    return unsupported(s, fail, group, "hkdf", hkdf);
  c->hkdf = hkdf;
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_CFG_CRED_FMT, &v) &&
      !gkdc_cbor_dec_get_int(&v, &c->cred_fmt))
    return malformed(s, fail, group, "cred_fmt must be an integer");
  if (GKDC_HAS_OP(s->host, find_credfmt)) {
    struct gkdc_provider prov;

    if (!s->host->find_credfmt(c->cred_fmt, &prov))
      return unsupported(s, fail, group, "cred_fmt (no credfmt plugin loaded for it)",
                         (long long)c->cred_fmt);
  }
  if (!get_bool(&d, GKDC_OSC_CFG_GROUP_MODE, &group_mode) ||
      !get_bool(&d, GKDC_OSC_CFG_PAIRWISE_MODE, &pairwise_mode) ||
      !get_bool(&d, GKDC_OSC_CFG_ACTIVE, &c->active) ||
      !get_bool(&d, GKDC_OSC_CFG_GID_REUSE, &gid_reuse))
    return malformed(s, fail, group, "group_mode, pairwise_mode, active and gid_reuse are booleans");
  if (!group_mode && !pairwise_mode)
    return malformed(s, fail, group, "a group needs the group mode, the pairwise mode or both");
  if (gid_reuse)
    return unsupported(s, fail, group, "gid_reuse", 1);
  c->modes = (group_mode ? GKDC_AP_MODE_GROUP : 0) | (pairwise_mode ? GKDC_AP_MODE_PAIRWISE : 0);
  x = c->max_stale_sets;
  if (!get_uint(&d, GKDC_OSC_CFG_MAX_STALE_SETS, 1024, &x) || x < 2)
    return malformed(s, fail, group, "max_stale_sets must be an integer from 2 to 1024");
  c->max_stale_sets = (uint32_t)x;
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_CFG_GROUP_NAME, &v) &&
      !gkdc_cbor_dec_get_tstr(&v, &c->name))
    return malformed(s, fail, group, "group_name must be a text string");

  if (!decode_group_mode(s, group, &d, c, fail) ||
      !decode_pairwise_mode(s, group, &d, c, fail) ||
      !decode_private(s, group, &d, c, fail))
    return 0;
  if (gkdc_cbor_dec_error(&d) != GKDC_CBOR_OK)
    return malformed(s, fail, group, "a parameter has the wrong type");
  return 1;
}

int osc_cfg_of_group(struct osc_state *s, const struct gkdc_store_group *g,
                     struct osc_cfg *c)
{
  struct gkdc_ap_fail fail;

  return osc_cfg_decode(s, g->name, g->config.ptr, g->config.len, c, &fail);
}

size_t osc_sid_max_len(const struct osc_state *s, const struct gkdc_store_group *g,
                       const struct osc_cfg *c)
{
  size_t nonce = 0;
  const struct osc_aead *a;
  size_t max;

  (void)s;
  if ((g->flags & GKDC_STORE_GROUP_MODE) && (a = osc_aead_find(g->gp_enc_alg)) != NULL)
    nonce = a->nonce_len;
  if ((g->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) && (a = osc_aead_find(g->aead_alg)) != NULL &&
      (nonce == 0 || a->nonce_len < nonce))
    nonce = a->nonce_len;
  if (nonce <= 6)
    return 0;
  max = nonce - 6;
  if (max > GKDC_STORE_SID_MAX)
    max = GKDC_STORE_SID_MAX;
  if (c != NULL && c->max_sid_len > 0 && c->max_sid_len < max)
    max = c->max_sid_len;
  return max;
}

int osc_config_parse(void *st, const uint8_t *config, size_t config_len,
                     struct gkdc_store_group *out, struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  struct osc_cfg c;

  if (out == NULL)
    return 0;
  if (!osc_cfg_decode(s, out->name, config, config_len, &c, fail))
    return 0;
  if (c.name.len > 0 && out->name != NULL &&
      (c.name.len != strlen(out->name) || memcmp(c.name.ptr, out->name, c.name.len) != 0))
    return malformed(s, fail, out->name, "group_name differs from the group's name");

  out->flags = (c.active ? GKDC_STORE_GROUP_ACTIVE : 0) |
               ((c.modes & GKDC_AP_MODE_GROUP) ? GKDC_STORE_GROUP_MODE : 0) |
               ((c.modes & GKDC_AP_MODE_PAIRWISE) ? GKDC_STORE_GROUP_PAIRWISE_MODE : 0);
  out->hkdf_alg = c.hkdf;
  out->cred_fmt = c.cred_fmt;
  out->gp_enc_alg = c.gp_enc_alg;
  out->sign_alg = c.sign_alg;
  out->aead_alg = c.alg;
  out->ecdh_alg = c.ecdh_alg;
  out->sign_params = (c.modes & GKDC_AP_MODE_GROUP) ? params_of(c.sign_kty, c.sign_crv)
                                                    : (struct gkdc_bytes){NULL, 0};
  out->ecdh_params = (c.modes & GKDC_AP_MODE_PAIRWISE) ? params_of(c.ecdh_kty, c.ecdh_crv)
                                                       : (struct gkdc_bytes){NULL, 0};
  out->max_stale_sets = c.max_stale_sets;
  out->config.ptr = config;
  out->config.len = config_len;
  if (osc_sid_max_len(s, out, &c) == 0)
    return unsupported(s, fail, out->name, "algorithm set with a nonce too short for Sender IDs",
                       out->gp_enc_alg);
  return 1;
}

int osc_group_crypto_get(void *st, const struct gkdc_store_group *group,
                         struct gkdc_ap_group_crypto *out)
{
  struct osc_state *s = st;
  struct osc_cfg c;

  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  if (!osc_cfg_of_group(s, group, &c))
    return 0;
  out->modes = ((group->flags & GKDC_STORE_GROUP_MODE) ? GKDC_AP_MODE_GROUP : 0) |
               ((group->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) ? GKDC_AP_MODE_PAIRWISE : 0);
  out->cred_fmt = group->cred_fmt;
  if (out->modes & GKDC_AP_MODE_GROUP) {
    out->sign_alg = group->sign_alg;
    if (!osc_params_key(group->sign_params, &out->sign_kty, &out->sign_curve))
      return 0;
  }
  if (out->modes & GKDC_AP_MODE_PAIRWISE) {
    out->ecdh_alg = group->ecdh_alg;
    if (!osc_params_key(group->ecdh_params, &out->ecdh_kty, &out->ecdh_curve))
      return 0;
  }
  out->pop_method = (out->modes & GKDC_AP_MODE_GROUP) ? GKDC_POP_SIGN : GKDC_POP_DH_MAC;
  out->pop_flags = c.ecdsa_der ? GKDC_POP_F_ECDSA_DER : 0;
  return 1;
}

/* ---- the configuration file's group section ---- */

/*
 * The group entries of the configuration file have one schema, which the
 * KDC and this plugin read (see docs/configuration.md). This plugin takes
 * the settings of the profile: modes, algorithms, Gid and Sender ID
 * rules, the Java compatibility switches and the pinned first keying
 * material of `initial`. The KDC reads the rest (credentials, policies,
 * members, rekeying) and fills in the values that follow from them.
 */

struct cfg_int_map {
  const char *name;
  int64_t label;
  int is_bool;
};

static const struct cfg_int_map cfg_ints[] = {
    {"hkdf", GKDC_OSC_CFG_HKDF, 0},
    {"gp_enc_alg", GKDC_OSC_CFG_GP_ENC_ALG, 0},
    {"sign_alg", GKDC_OSC_CFG_SIGN_ALG, 0},
    {"alg", GKDC_OSC_CFG_ALG, 0},
    {"ecdh_alg", GKDC_OSC_CFG_ECDH_ALG, 0},
    {"active", GKDC_OSC_CFG_ACTIVE, 1},
    {"max_stale_sets", GKDC_OSC_CFG_MAX_STALE_SETS, 0},
    {"gid_reuse", GKDC_OSC_CFG_GID_REUSE, 1},
    {"gid_epoch_len", GKDC_OSC_CFG_GID_EPOCH_LEN, 0},
    {"gid_epoch_start", GKDC_OSC_CFG_GID_EPOCH_START, 0},
    {"max_sender_id_len", GKDC_OSC_CFG_MAX_SID_LEN, 0},
};

static const struct cfg_int_map cfg_hex[] = {
    {"gid_prefix", GKDC_OSC_CFG_GID_PREFIX, 0},
    {"kdc_dh_cred", GKDC_OSC_CFG_KDC_DH_CRED, 0},
    {"initial.master_secret", GKDC_OSC_CFG_MASTER_SECRET, 0},
    {"initial.master_salt", GKDC_OSC_CFG_MASTER_SALT, 0},
};

/* Credential formats by name (COSE header labels). */
static const struct {
  const char *name;
  int64_t label;
} cfg_cred_fmts[] = {
    {"ccs", 14}, {"cwt", 13}, {"x5chain", 33}, {"x5bag", 32}, {"c5c", 25}, {"c5b", 24},
};

/* Writes `mode` ("group+pairwise", "group-only" or "pairwise-only") as the
 * two mode flags. Returns 0 for another value. */
static int put_mode(struct gkdc_cbor_enc *e, const char *mode)
{
  int group, pairwise;

  if (strcmp(mode, "group+pairwise") == 0)
    group = 1, pairwise = 1;
  else if (strcmp(mode, "group-only") == 0)
    group = 1, pairwise = 0;
  else if (strcmp(mode, "pairwise-only") == 0)
    group = 0, pairwise = 1;
  else
    return 0;
  gkdc_cbor_enc_put_int(e, GKDC_OSC_CFG_GROUP_MODE);
  gkdc_cbor_enc_put_bool(e, group);
  gkdc_cbor_enc_put_int(e, GKDC_OSC_CFG_PAIRWISE_MODE);
  gkdc_cbor_enc_put_bool(e, pairwise);
  return 1;
}

/* Writes the Sender IDs offered first: `initial.next_sender_id` and then
 * the list `initial.sender_ids`. Returns the number of pairs written (0
 * or 1), or -1 for a malformed value. */
static int put_sender_ids(struct gkdc_cbor_enc *e, const gkdc_cfg *node)
{
  const gkdc_cfg *one = gkdc_cfg_get0(node, "initial.next_sender_id");
  const gkdc_cfg *list = gkdc_cfg_get0(node, "initial.sender_ids");
  size_t n = (one != NULL ? 1 : 0) + (list != NULL ? gkdc_cfg_count(list) : 0);
  uint8_t buf[GKDC_STORE_SID_MAX];
  size_t len, i;

  if (n == 0)
    return 0;
  if (n > OSC_SENDER_IDS_MAX)
    return -1;
  gkdc_cbor_enc_put_int(e, GKDC_OSC_CFG_SENDER_IDS);
  gkdc_cbor_enc_put_array(e, n);
  if (one != NULL) {
    if (!gkdc_cfg_get_hex(node, "initial.next_sender_id", buf, sizeof(buf), &len) || len == 0)
      return -1;
    gkdc_cbor_enc_put_bstr(e, buf, len);
  }
  for (i = 0; list != NULL && i < gkdc_cfg_count(list); i++) {
    if (!gkdc_cfg_get_hex(gkdc_cfg_elem0(list, i), "", buf, sizeof(buf), &len) || len == 0)
      return -1;
    gkdc_cbor_enc_put_bstr(e, buf, len);
  }
  return 1;
}

int osc_config_encode(void *st, const gkdc_cfg *node, uint8_t *out,
                      size_t *out_len, struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  struct gkdc_cbor_enc e;
  size_t mark, pairs = 0, i;
  int64_t x;
  int b, java = 0, n;
  const char *text;
  uint8_t buf[1024];
  size_t len;
  const char *where = gkdc_cfg_where(node);

  gkdc_cbor_enc_init(&e, out, *out_len);
  mark = gkdc_cbor_enc_map_begin(&e);
  for (i = 0; i < sizeof(cfg_ints) / sizeof(cfg_ints[0]); i++) {
    if (gkdc_cfg_get0(node, cfg_ints[i].name) == NULL)
      continue;
    gkdc_cbor_enc_put_int(&e, cfg_ints[i].label);
    if (cfg_ints[i].is_bool ? gkdc_cfg_get_bool(node, cfg_ints[i].name, &b)
                            : gkdc_cfg_get_int(node, cfg_ints[i].name, &x)) {
      if (cfg_ints[i].is_bool)
        gkdc_cbor_enc_put_bool(&e, b);
      else
        gkdc_cbor_enc_put_int(&e, x);
    } else {
      osc_fail(s, fail, CODE_400, -1, "%s: %s must be %s", where, cfg_ints[i].name,
               cfg_ints[i].is_bool ? "true or false" : "an integer");
      return 0;
    }
    pairs++;
  }
  for (i = 0; i < sizeof(cfg_hex) / sizeof(cfg_hex[0]); i++) {
    if (gkdc_cfg_get0(node, cfg_hex[i].name) == NULL)
      continue;
    if (!gkdc_cfg_get_hex(node, cfg_hex[i].name, buf, sizeof(buf), &len)) {
      osc_fail(s, fail, CODE_400, -1, "%s: %s must be a hex string of at most %zu bytes",
               where, cfg_hex[i].name, sizeof(buf));
      return 0;
    }
    gkdc_cbor_enc_put_int(&e, cfg_hex[i].label);
    gkdc_cbor_enc_put_bstr(&e, buf, len);
    pairs++;
  }
  gkdc_wipe(buf, sizeof(buf));
  if (gkdc_cfg_get0(node, "mode") != NULL) {
    if (!gkdc_cfg_get_string(node, "mode", &text) || !put_mode(&e, text)) {
      osc_fail(s, fail, CODE_400, -1,
               "%s: mode must be \"group+pairwise\", \"group-only\" or \"pairwise-only\"",
               where);
      return 0;
    }
    pairs += 2;
  }
  if (gkdc_cfg_get0(node, "cred_fmt") != NULL) {
    if (gkdc_cfg_get_string(node, "cred_fmt", &text)) {
      x = -1;
      for (i = 0; i < sizeof(cfg_cred_fmts) / sizeof(cfg_cred_fmts[0]); i++)
        if (strcmp(text, cfg_cred_fmts[i].name) == 0)
          x = cfg_cred_fmts[i].label;
    } else if (!gkdc_cfg_get_int(node, "cred_fmt", &x)) {
      x = -1;
    }
    if (x < 0) {
      osc_fail(s, fail, CODE_400, -1, "%s: cred_fmt must be a credential format name or a "
               "COSE header label", where);
      return 0;
    }
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_CFG_CRED_FMT);
    gkdc_cbor_enc_put_int(&e, x);
    pairs++;
  }
  if (gkdc_cfg_get0(node, "ecdh_curve") != NULL) {
    if (!gkdc_cfg_get_int(node, "ecdh_curve", &x) ||
        (x != GKDC_COSE_CRV_X25519 && x != GKDC_COSE_CRV_P256)) {
      osc_fail(s, fail, CODE_400, -1, "%s: ecdh_curve must be 4 (X25519) or 1 (P-256)", where);
      return 0;
    }
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_CFG_ECDH_PARAMS);
    gkdc_cbor_enc_put_raw(&e, x == GKDC_COSE_CRV_P256 ? params_ec2_p256 : params_okp_x25519, 6);
    pairs++;
  }

  /* java_compatible turns on both Java switches; each can be set alone. */
  if (gkdc_cfg_get0(node, "java_compatible") != NULL &&
      !gkdc_cfg_get_bool(node, "java_compatible", &java)) {
    osc_fail(s, fail, CODE_400, -1, "%s: java_compatible must be true or false", where);
    return 0;
  }
  if (gkdc_cfg_get0(node, "ecdsa_der") != NULL) {
    if (!gkdc_cfg_get_bool(node, "ecdsa_der", &b)) {
      osc_fail(s, fail, CODE_400, -1, "%s: ecdsa_der must be true or false", where);
      return 0;
    }
  } else {
    b = java;
  }
  if (gkdc_cfg_get0(node, "ecdsa_der") != NULL || java) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_CFG_ECDSA_DER);
    gkdc_cbor_enc_put_bool(&e, b);
    pairs++;
  }
  if (gkdc_cfg_get0(node, "oauth_labels") != NULL) {
    int v = -1;

    if (gkdc_cfg_get_string(node, "oauth_labels", &text))
      v = strcmp(text, "rfc") == 0    ? GKDC_OSC_OAUTH_RFC
          : strcmp(text, "java") == 0 ? GKDC_OSC_OAUTH_JAVA
          : strcmp(text, "both") == 0 ? GKDC_OSC_OAUTH_BOTH
                                      : -1;
    if (v < 0) {
      osc_fail(s, fail, CODE_400, -1, "%s: oauth_labels must be \"rfc\", \"java\" or \"both\"",
               where);
      return 0;
    }
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_CFG_OAUTH_LABELS);
    gkdc_cbor_enc_put_uint(&e, (uint64_t)v);
    pairs++;
  } else if (java) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_CFG_OAUTH_LABELS);
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_OAUTH_BOTH);
    pairs++;
  }
  if ((n = put_sender_ids(&e, node)) < 0) {
    osc_fail(s, fail, CODE_400, -1, "%s: initial.next_sender_id and initial.sender_ids hold "
             "at most %d Sender IDs in hex, 1 to %d bytes each", where, OSC_SENDER_IDS_MAX,
             GKDC_STORE_SID_MAX);
    return 0;
  }
  pairs += (size_t)n;

  gkdc_cbor_enc_map_end(&e, mark, pairs);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    osc_fail(s, fail, GKDC_CODE(5, 0), -1, "%s: the group configuration does not fit", where);
    return 0;
  }
  return 1;
}
