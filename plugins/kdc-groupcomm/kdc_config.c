/*
 * kdc-groupcomm: groups from the configuration.
 *
 * Each entry of `groups` in the plugin's section names a group and its
 * settings. A group the store does not have is created with them; a group
 * the store has keeps its keying material, version, Gid and members, and
 * the start is refused when its mode, algorithms or credential format
 * differ from the configuration. See docs/configuration.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"


#define CFG_BUF 512
#define MEMBER_CRED_MAX 1024

/* Credential formats by name. */
static const struct {
  const char *name;
  int64_t label;
} cred_fmts[] = {
    {"ccs", GKDC_COSE_HDR_KCCS},   {"cwt", GKDC_COSE_HDR_KCWT},
    {"x5chain", GKDC_COSE_HDR_X5CHAIN}, {"x5bag", GKDC_COSE_HDR_X5BAG},
    {"c5c", GKDC_COSE_HDR_C5C},   {"c5b", GKDC_COSE_HDR_C5B},
};

/*
 * The setting names of a group entry. Both plugins read the entry: the
 * first part is the KDC's, the second the names that the appprofile's
 * config_encode reads (keep it in step with osc_config.c). A name in no
 * list stops the start, so that a misspelled security setting does not
 * silently fall back to its default.
 */
static const char *const group_names[] = {
    /* kdc-groupcomm */
    "name", "mode", "cred_fmt", "hkdf", "gp_enc_alg", "sign_alg", "alg", "ecdh_alg",
    "max_stale_sets", "max_sender_id_len", "exp_lifetime", "active", "java_compatible",
    "rekey_on_leave", "rekey_on_join", "gid_prefix", "key_update_check_interval",
    "exp_delta", "gm_cred", "gm_key", "initial", "members",
    /* appprofile-group-oscore */
    "gid_reuse", "gid_epoch_len", "gid_epoch_start", "kdc_dh_cred", "ecdh_curve",
    "ecdsa_der", "oauth_labels",
};

/* The settings of `initial`: the KDC's and the appprofile's. */
static const char *const initial_names[] = {
    "master_secret", "master_salt", "gid", "exp", "next_sender_id", "sender_ids",
};

/* The settings of one entry of `members`. */
static const char *const member_names[] = {
    "node_name", "token_id", "roles", "sender_id", "cred",
};

/* The settings of plugin_config.kdc-groupcomm itself. */
static const char *const section_names[] = {"root_path", "groups"};

#define NAMES(a) (a), (sizeof(a) / sizeof((a)[0]))

/* Returns the first child of the group `node` whose name is not in
 * `known`, or NULL when every name is known (or `node` is no group). */
static const gkdc_cfg *names_unknown(const gkdc_cfg *node, const char *const *known,
                                     size_t n)
{
  size_t i, j;

  for (i = 0; i < gkdc_cfg_count(node); i++) {
    const gkdc_cfg *child = gkdc_cfg_elem0(node, i);
    const char *name = gkdc_cfg_name(child);

    if (name == NULL)
      return NULL; /* a list or an array, not a group */
    for (j = 0; j < n && strcmp(name, known[j]) != 0; j++)
      ;
    if (j == n)
      return child;
  }
  return NULL;
}

/* Logs why group `group` refuses the start; returns 0. */
static int reject_start(const struct kdc_state *k, const char *group, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reject_start(const struct kdc_state *k, const char *group, const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  kdc_log(k, GKDC_LOG_ERR, "group %s: %s", group, msg);
  return 0;
}

static int get_int(const gkdc_cfg *node, const char *path, int64_t def, int64_t *out)
{
  if (gkdc_cfg_get0(node, path) == NULL) {
    *out = def;
    return 1;
  }
  return gkdc_cfg_get_int(node, path, out);
}

static int get_bool(const gkdc_cfg *node, const char *path, int def, int *out)
{
  if (gkdc_cfg_get0(node, path) == NULL) {
    *out = def;
    return 1;
  }
  return gkdc_cfg_get_bool(node, path, out);
}

/* Reads an optional hex setting; absent gives length 0. */
static int get_hex(const gkdc_cfg *node, const char *path, uint8_t *buf, size_t cap,
                   size_t *len)
{
  *len = 0;
  if (gkdc_cfg_get0(node, path) == NULL)
    return 1;
  return gkdc_cfg_get_hex(node, path, buf, cap, len);
}

/* Encodes the capability pair of a signature or ECDH algorithm on a key. */
static void put_params(struct gkdc_cbor_enc *e, int32_t kty, int32_t curve)
{
  gkdc_cbor_enc_put_array(e, 2);
  gkdc_cbor_enc_put_array(e, 1);
  gkdc_cbor_enc_put_int(e, kty);
  gkdc_cbor_enc_put_array(e, 2);
  gkdc_cbor_enc_put_int(e, kty);
  gkdc_cbor_enc_put_int(e, curve);
}

/* A group configuration map under construction over the appprofile's
 * own encoding of the same group entry (`ap`, entered). */
struct cfg_map {
  struct gkdc_cbor_enc e;
  struct gkdc_cbor_dec ap;
  size_t pairs;
};

/* Writes `label` and returns 1 when the appprofile did not write it; the
 * caller then writes the value. */
static int cfg_want(struct cfg_map *m, int64_t label)
{
  struct gkdc_cbor_dec v;

  if (gkdc_cbor_dec_map_find_int(&m->ap, label, &v))
    return 0;
  gkdc_cbor_enc_put_int(&m->e, label);
  m->pairs++;
  return 1;
}

/* Key type and curve of a signature algorithm the KDC supports. */
static int sign_key(int32_t alg, int32_t *kty, int32_t *curve)
{
  switch (alg) {
  case GKDC_COSE_ALG_EDDSA:
    *kty = GKDC_COSE_KTY_OKP;
    *curve = GKDC_COSE_CRV_ED25519;
    return 1;
  case GKDC_COSE_ALG_ES256:
    *kty = GKDC_COSE_KTY_EC2;
    *curve = GKDC_COSE_CRV_P256;
    return 1;
  default:
    return 0;
  }
}

/* Refuses a group entry, its `initial` or one of its `members` with a
 * setting name that neither plugin reads. Returns 1 when all are known. */
static int group_names_check(const struct kdc_state *k, const gkdc_cfg *node,
                             const char *group)
{
  const gkdc_cfg *members = gkdc_cfg_get0(node, "members");
  const gkdc_cfg *bad = names_unknown(node, NAMES(group_names));
  const char *in = "";
  size_t i;

  if (bad == NULL && (bad = names_unknown(gkdc_cfg_get0(node, "initial"),
                                          NAMES(initial_names))) != NULL)
    in = " in initial";
  for (i = 0; bad == NULL && i < gkdc_cfg_count(members); i++)
    if ((bad = names_unknown(gkdc_cfg_elem0(members, i), NAMES(member_names))) != NULL)
      in = " in a member";
  if (bad == NULL)
    return 1;
  return reject_start(k, group, "config %s: unknown setting \"%s\"%s", gkdc_cfg_where(bad),
                      gkdc_cfg_name(bad), in);
}

/* Reads an algorithm setting as its COSE id (`def` when absent). Returns 0
 * after logging when the value is not an integer. */
static int get_alg(const struct kdc_state *k, const gkdc_cfg *node, const char *group,
                   const char *path, int64_t def, int64_t *out)
{
  if (get_int(node, path, def, out))
    return 1;
  return reject_start(k, group, "config %s: %s must be an integer COSE algorithm id",
                      gkdc_cfg_where(gkdc_cfg_get0(node, path)), path);
}

/* Reads and checks one group entry into `g` and the gm-admin configuration
 * map `map`. */
static int group_read(struct kdc_state *k, const gkdc_cfg *node, struct kdc_group *g,
                      uint8_t *map, size_t *map_len)
{
  const char *name = NULL;
  const char *mode = "group+pairwise";
  const char *fmt_name = NULL;
  int64_t v;
  int64_t kci, delta;
  struct gkdc_provider prov;
  int32_t kty = 0, curve = 0;
  struct gkdc_cbor_enc e;
  size_t mark;
  uint8_t buf[GKDC_CRED_MAX_LEN];
  size_t len = 0;
  int err = 0;
  size_t i;

  if (!gkdc_cfg_get_string(node, "name", &name) || name[0] == '\0' ||
      strlen(name) >= KDC_NAME_MAX || strchr(name, '/') != NULL) {
    kdc_log(k, GKDC_LOG_ERR, "config %s: a group needs a `name` (1 to %d characters, no '/')",
            gkdc_cfg_where(node), KDC_NAME_MAX - 1);
    return 0;
  }
  if ((g->name = strdup(name)) == NULL)
    return 0;
  if (!group_names_check(k, node, name))
    return 0;

  /* Modes. */
  if (gkdc_cfg_get0(node, "mode") != NULL && !gkdc_cfg_get_string(node, "mode", &mode))
    return reject_start(k, name, "%s must be a string", "mode");
  if (strcmp(mode, "group+pairwise") == 0)
    g->modes = GKDC_AP_MODE_GROUP | GKDC_AP_MODE_PAIRWISE;
  else if (strcmp(mode, "group-only") == 0)
    g->modes = GKDC_AP_MODE_GROUP;
  else if (strcmp(mode, "pairwise-only") == 0)
    return reject_start(k, name, "mode \"%s\" is not supported: this KDC has no "
                  "Diffie-Hellman proof of possession; use \"group+pairwise\" or \"group-only\"",
                  mode);
  else
    return reject_start(k, name, "unknown mode \"%s\"", mode);

  /* Credential format. */
  g->cred_fmt = GKDC_COSE_HDR_KCCS;
  if (gkdc_cfg_get0(node, "cred_fmt") != NULL) {
    if (gkdc_cfg_get_string(node, "cred_fmt", &fmt_name)) {
      g->cred_fmt = -1;
      for (i = 0; i < sizeof(cred_fmts) / sizeof(cred_fmts[0]); i++)
        if (strcmp(fmt_name, cred_fmts[i].name) == 0)
          g->cred_fmt = cred_fmts[i].label;
      if (g->cred_fmt < 0)
        return reject_start(k, name, "unknown credential format \"%s\"", fmt_name);
    } else if (!gkdc_cfg_get_int(node, "cred_fmt", &g->cred_fmt)) {
      return reject_start(k, name, "%s must be a name or a COSE header label", "cred_fmt");
    }
  }
  if (!k->host->find_credfmt(g->cred_fmt, &g->credfmt)) {
    char what[32];

    snprintf(what, sizeof(what), "%lld", (long long)g->cred_fmt);
    return reject_start(k, name, "unknown credential format %s: no credfmt plugin serves it",
                  what);
  }

  /* Algorithms, with the OSCORE profile's defaults (section 14). */
  if (!get_alg(k, node, name, "hkdf", GKDC_COSE_ALG_HMAC_256_256, &v))
    return 0;
  if (v != GKDC_COSE_ALG_HMAC_256_256 && v != GKDC_COSE_ALG_HMAC_512_512)
    return reject_start(k, name, "unknown hkdf algorithm %lld (5 or 7)", (long long)v);
  g->hkdf_alg = (int32_t)v;
  if (!get_alg(k, node, name, "gp_enc_alg", GKDC_COSE_ALG_AES_CCM_16_64_128, &v))
    return 0;
  if (!k->host->find_alg((int32_t)v, &prov))
    return reject_start(k, name, "unknown gp_enc_alg %lld", (long long)v);
  g->gp_enc_alg = (int32_t)v;
  if (!get_alg(k, node, name, "sign_alg", GKDC_COSE_ALG_EDDSA, &v))
    return 0;
  if (!sign_key((int32_t)v, &kty, &curve) || !k->host->find_alg((int32_t)v, &prov))
    return reject_start(k, name, "unknown sign_alg %lld", (long long)v);
  g->sign_alg = (int32_t)v;
  if (g->modes & GKDC_AP_MODE_PAIRWISE) {
    if (!get_alg(k, node, name, "alg", GKDC_COSE_ALG_AES_CCM_16_64_128, &v))
      return 0;
    if (!k->host->find_alg((int32_t)v, &prov))
      return reject_start(k, name, "unknown alg %lld", (long long)v);
    g->aead_alg = (int32_t)v;
    if (!get_alg(k, node, name, "ecdh_alg", GKDC_COSE_ALG_ECDH_SS_HKDF_256, &v))
      return 0;
    if (v != GKDC_COSE_ALG_ECDH_SS_HKDF_256 && v != -28)
      return reject_start(k, name, "unknown ecdh_alg %lld (-27 or -28)", (long long)v);
    g->ecdh_alg = (int32_t)v;
  }

  /* Other settings. */
  if (!get_int(node, "max_stale_sets", 3, &v) || v < 2 || v > 1000)
    return reject_start(k, name, "%s must be an integer from 2 to 1000", "max_stale_sets");
  g->max_stale_sets = (uint32_t)v;
  if (!get_int(node, "max_sender_id_len", GKDC_STORE_SID_MAX, &v) || v < 1 ||
      v > GKDC_STORE_SID_MAX)
    return reject_start(k, name, "%s must be an integer from 1 to 7", "max_sender_id_len");
  g->max_sid_len = (size_t)v;
  if (!get_int(node, "exp_lifetime", 2592000, &v) || v < 0)
    return reject_start(k, name, "%s must be a number of seconds", "exp_lifetime");
  g->lifetime = v;
  if (!get_bool(node, "active", 1, &g->active) ||
      !get_bool(node, "java_compatible", 0, &g->java_compatible) ||
      !get_bool(node, "rekey_on_leave", 1, &g->rekey_on_leave) ||
      !get_bool(node, "rekey_on_join", 0, &g->rekey_on_join))
    return reject_start(k, name, "%s must be true or false",
                  "active, java_compatible, rekey_on_leave and rekey_on_join each");
  if (!get_hex(node, "gid_prefix", g->gid_prefix, sizeof(g->gid_prefix),
               &g->gid_prefix_len))
    return reject_start(k, name, "%s must be hex of at most 8 bytes", "gid_prefix");

  /* Policies (RFC 9594 section 4.3.1, defaults of the OSCORE profile). */
  if (!get_int(node, "key_update_check_interval", 3600, &kci) || kci < 0 ||
      !get_int(node, "exp_delta", 0, &delta) || delta < 0)
    return reject_start(k, name, "%s must be non-negative integers",
                  "key_update_check_interval and exp_delta");
  gkdc_cbor_enc_init(&e, g->policies, sizeof(g->policies));
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_POLICY_KEY_CHECK_INTERVAL);
  gkdc_cbor_enc_put_uint(&e, (uint64_t)kci);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_POLICY_EXP_DELTA);
  gkdc_cbor_enc_put_uint(&e, (uint64_t)delta);
  if (gkdc_cbor_enc_finish(&e, &g->policies_len) != GKDC_CBOR_OK)
    return 0;

  /* The Group Manager's credential and private key. */
  if (!get_hex(node, "gm_cred", buf, sizeof(buf), &len) || len == 0)
    return reject_start(k, name, "%s must be the Group Manager's credential in hex",
                        "gm_cred");
  if ((g->gm_cred = malloc(len)) == NULL)
    return 0;
  memcpy(g->gm_cred, buf, len);
  g->gm_cred_len = len;
  if (!((const struct gkdc_credfmt_ops *)g->credfmt.ops)
           ->parse(g->credfmt.state, g->gm_cred, len, 0, &g->gm_parsed, &err))
    return reject_start(k, name, "%s is not a valid credential of the group's format",
                  "gm_cred");
  g->gm_info = ((const struct gkdc_credfmt_ops *)g->credfmt.ops)
                   ->info_get0(g->credfmt.state, g->gm_parsed);
  if (g->gm_info->alg != g->sign_alg || g->gm_info->kty != kty ||
      g->gm_info->curve != curve)
    return reject_start(k, name, "%s does not fit the group's signature algorithm",
                  "gm_cred");
  if (!get_hex(node, "gm_key", g->gm_priv, sizeof(g->gm_priv), &g->gm_priv_len) ||
      g->gm_priv_len == 0)
    return reject_start(k, name, "%s must be the Group Manager's private key in hex "
                        "(at most 32 bytes)", "gm_key");
  {
    uint8_t pub[GKDC_MAX_PUB_LEN];
    size_t pub_len = sizeof(pub);

    if (!gkdc_crypto_public_from_private(k->host->crypto_get0(), curve, g->gm_priv,
                                         g->gm_priv_len, pub, &pub_len) ||
        pub_len != g->gm_info->pub.len ||
        memcmp(pub, g->gm_info->pub.ptr, pub_len) != 0)
      return reject_start(k, name, "%s does not match the public key of gm_cred", "gm_key");
  }

  /* The group configuration map of <gkdc/appprofile.h> (the gm-admin
   * parameters and gkdc's private-use settings) for config_parse(): the
   * appprofile's pairs from the same entry, then the KDC's values for the
   * labels the appprofile did not write. */
  {
    uint8_t ap[CFG_BUF];
    size_t ap_len = sizeof(ap);
    struct gkdc_ap_fail fail = {0, -1, NULL};
    struct cfg_map m;
    size_t count = 0;

    if (!k->ap->config_encode(k->ap_p.state, node, ap, &ap_len, &fail))
      return reject_start(k, name, "%s", fail.detail != NULL ? fail.detail : "invalid entry");
    gkdc_cbor_enc_init(&m.e, map, *map_len);
    mark = gkdc_cbor_enc_map_begin(&m.e);
    m.pairs = 0;
    if (gkdc_cbor_dec_init(&m.ap, ap, ap_len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_enter_map(&m.ap, &count))
      return 0;
    for (i = 0; i < count; i++) {
      struct gkdc_bytes key, value;

      if (!gkdc_cbor_dec_get_raw(&m.ap, &key) || !gkdc_cbor_dec_get_raw(&m.ap, &value))
        return 0;
      gkdc_cbor_enc_put_raw(&m.e, key.ptr, key.len);
      gkdc_cbor_enc_put_raw(&m.e, value.ptr, value.len);
      m.pairs++;
    }

    if (cfg_want(&m, GKDC_OSC_CFG_HKDF))
      gkdc_cbor_enc_put_int(&m.e, g->hkdf_alg);
    if (cfg_want(&m, GKDC_OSC_CFG_CRED_FMT))
      gkdc_cbor_enc_put_int(&m.e, g->cred_fmt);
    if (cfg_want(&m, GKDC_OSC_CFG_GROUP_MODE))
      gkdc_cbor_enc_put_bool(&m.e, 1);
    if (cfg_want(&m, GKDC_OSC_CFG_GP_ENC_ALG))
      gkdc_cbor_enc_put_int(&m.e, g->gp_enc_alg);
    if (cfg_want(&m, GKDC_OSC_CFG_SIGN_ALG))
      gkdc_cbor_enc_put_int(&m.e, g->sign_alg);
    if (cfg_want(&m, GKDC_OSC_CFG_SIGN_PARAMS))
      put_params(&m.e, kty, curve);
    if (cfg_want(&m, GKDC_OSC_CFG_PAIRWISE_MODE))
      gkdc_cbor_enc_put_bool(&m.e, (g->modes & GKDC_AP_MODE_PAIRWISE) != 0);
    if (!(g->modes & GKDC_AP_MODE_PAIRWISE)) {
      /* A group-only group has no pairwise algorithms, whatever is set. */
      if (cfg_want(&m, GKDC_OSC_CFG_ALG))
        gkdc_cbor_enc_put_null(&m.e);
      if (cfg_want(&m, GKDC_OSC_CFG_ECDH_ALG))
        gkdc_cbor_enc_put_null(&m.e);
      if (cfg_want(&m, GKDC_OSC_CFG_ECDH_PARAMS))
        gkdc_cbor_enc_put_null(&m.e);
    } else {
      if (cfg_want(&m, GKDC_OSC_CFG_ALG))
        gkdc_cbor_enc_put_int(&m.e, g->aead_alg);
      if (cfg_want(&m, GKDC_OSC_CFG_ECDH_ALG))
        gkdc_cbor_enc_put_int(&m.e, g->ecdh_alg);
      if (cfg_want(&m, GKDC_OSC_CFG_ECDH_PARAMS)) {
        if (kty == GKDC_COSE_KTY_OKP)
          put_params(&m.e, GKDC_COSE_KTY_OKP, GKDC_COSE_CRV_X25519);
        else
          put_params(&m.e, kty, curve);
      }
    }
    if (cfg_want(&m, GKDC_OSC_CFG_ACTIVE))
      gkdc_cbor_enc_put_bool(&m.e, g->active);
    if (cfg_want(&m, GKDC_OSC_CFG_GROUP_NAME))
      gkdc_cbor_enc_put_tstr_z(&m.e, name);
    if (cfg_want(&m, GKDC_OSC_CFG_MAX_STALE_SETS))
      gkdc_cbor_enc_put_uint(&m.e, g->max_stale_sets);
    if (cfg_want(&m, GKDC_OSC_CFG_MAX_SID_LEN))
      gkdc_cbor_enc_put_uint(&m.e, g->max_sid_len);
    gkdc_cbor_enc_map_end(&m.e, mark, m.pairs);
    gkdc_wipe(ap, sizeof(ap));
    return gkdc_cbor_enc_finish(&m.e, map_len) == GKDC_CBOR_OK;
  }
}

/* The configuration's name of the modes in store group flags. */
static const char *mode_name(uint32_t flags)
{
  int group = (flags & GKDC_STORE_GROUP_MODE) != 0;
  int pairwise = (flags & GKDC_STORE_GROUP_PAIRWISE_MODE) != 0;

  if (group && pairwise)
    return "group+pairwise";
  if (group)
    return "group-only";
  return pairwise ? "pairwise-only" : "none";
}

/* Refuses a group whose stored settings differ from the configuration. */
static int check_existing(const struct kdc_state *k, const struct kdc_group *g,
                          const struct gkdc_store_group *want,
                          const struct gkdc_store_group *have)
{
  uint32_t modes = GKDC_STORE_GROUP_MODE | GKDC_STORE_GROUP_PAIRWISE_MODE;
  const struct {
    const char *field;
    int64_t want, have;
  } f[] = {
      {"cred_fmt", want->cred_fmt, have->cred_fmt},
      {"hkdf", want->hkdf_alg, have->hkdf_alg},
      {"gp_enc_alg", want->gp_enc_alg, have->gp_enc_alg},
      {"sign_alg", want->sign_alg, have->sign_alg},
      {"alg", want->aead_alg, have->aead_alg},
      {"ecdh_alg", want->ecdh_alg, have->ecdh_alg},
  };
  size_t i;

  if ((want->flags & modes) != (have->flags & modes))
    return reject_start(k, g->name, "the configured %s differs from the stored group's "
                        "(stored \"%s\", configured \"%s\")", "mode",
                        mode_name(have->flags), mode_name(want->flags));
  for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
    if (f[i].want != f[i].have)
      return reject_start(k, g->name, "the configured %s differs from the stored group's "
                    "(stored %lld, configured %lld)",
                    f[i].field, (long long)f[i].have, (long long)f[i].want);
  return 1;
}

/* Stores the pre-provisioned members of a new group, in the listed order.
 * On failure `why` (`cap` bytes) receives the reason and 0 is returned. */
static int members_create(struct kdc_state *k, const gkdc_cfg *node, struct kdc_group *g,
                          char *why, size_t cap)
{
  const gkdc_cfg *list = gkdc_cfg_get0(node, "members");
  size_t n = list != NULL ? gkdc_cfg_count(list) : 0;
  size_t i;

  for (i = 0; i < n; i++) {
    const gkdc_cfg *m = gkdc_cfg_elem0(list, i);
    struct gkdc_store_member rec;
    const char *node_name = NULL;
    uint8_t token[255], sid[GKDC_STORE_SID_MAX], cred[MEMBER_CRED_MAX];
    size_t token_len = 0, sid_len = 0, cred_len = 0;
    int64_t roles = 0;
    gkdc_cred *parsed = NULL;
    int err = 0;

    if (!gkdc_cfg_get_string(m, "node_name", &node_name) || node_name[0] == '\0' ||
        strlen(node_name) >= KDC_NAME_MAX || strchr(node_name, '/') != NULL ||
        !get_hex(m, "token_id", token, sizeof(token), &token_len) || token_len == 0 ||
        !gkdc_cfg_get_int(m, "roles", &roles) || roles <= 0 || roles > 0xff ||
        !get_hex(m, "sender_id", sid, g->max_sid_len, &sid_len) ||
        !get_hex(m, "cred", cred, sizeof(cred), &cred_len)) {
      snprintf(why, cap,
               "config %s: a member needs node_name, token_id (hex), roles (1 to 255) "
               "and may have sender_id (hex, at most max_sender_id_len bytes) and cred (hex)",
               gkdc_cfg_where(m));
      return 0;
    }
    if (k->ap->roles_need_cred(k->ap_p.state, (uint64_t)roles)) {
      if (cred_len == 0 ||
          !((const struct gkdc_credfmt_ops *)g->credfmt.ops)
               ->parse(g->credfmt.state, cred, cred_len, 0, &parsed, &err)) {
        snprintf(why, cap, "member %s: cred is missing or not valid", node_name);
        return 0;
      }
      ((const struct gkdc_credfmt_ops *)g->credfmt.ops)->free(g->credfmt.state, parsed);
      if (sid_len > 0) {
        if (!k->store->sid_claim(k->store_p.state, g->name, sid, sid_len)) {
          snprintf(why, cap, "member %s: Sender ID taken", node_name);
          return 0;
        }
      } else if (!k->store->sid_allocate(k->store_p.state, g->name, g->max_sid_len, sid,
                                         sizeof(sid), &sid_len)) {
        snprintf(why, cap, "member %s: no Sender ID left", node_name);
        return 0;
      }
    } else {
      sid_len = 0;
      cred_len = 0;
    }

    memset(&rec, 0, sizeof(rec));
    rec.size = sizeof(rec);
    rec.flags = GKDC_STORE_MEMBER_POP_DONE;
    rec.group = g->name;
    rec.node_name = node_name;
    rec.token_id.ptr = token;
    rec.token_id.len = token_len;
    rec.roles = (uint32_t)roles;
    rec.has_sender_id = sid_len > 0;
    rec.sender_id.ptr = sid;
    rec.sender_id.len = sid_len;
    rec.cred.ptr = cred;
    rec.cred.len = cred_len;
    rec.cred_fmt = g->cred_fmt;
    /* One second apart, before anyone else: the listed order is the
     * order of the credentials in Joining Responses and /creds. */
    rec.joined = kdc_now(k) - (int64_t)(n - i);
    rec.updated = rec.joined;
    if (!k->store->member_put(k->store_p.state, &rec)) {
      snprintf(why, cap, "member %s: %s", node_name,
               k->store->last_error_detail(k->store_p.state));
      return 0;
    }
  }
  return 1;
}

/*
 * Creates a group the store does not have. The appprofile draws the first
 * keying material (taking a pinned Master Secret, Master Salt, Gid prefix
 * or first Sender ID from the configuration map); a pinned Gid is stored
 * directly with the pinned or a random Master Secret.
 */
static int group_create(struct kdc_state *k, const gkdc_cfg *node, struct kdc_group *g,
                        struct gkdc_store_group *settings)
{
  const gkdc_cfg *init = gkdc_cfg_get0(node, "initial");
  uint8_t ms[64], salt[64], gid[GKDC_STORE_SID_MAX + 8];
  size_t ms_len = 0, salt_len = 0, gid_len = 0;
  int64_t exp = 0;
  uint64_t version = 0;
  char why[512] = "";
  int ok = 0;

  if (init != NULL &&
      (!get_hex(init, "master_secret", ms, sizeof(ms), &ms_len) ||
       !get_hex(init, "master_salt", salt, sizeof(salt), &salt_len) ||
       !get_hex(init, "gid", gid, sizeof(gid), &gid_len) ||
       !get_int(init, "exp", 0, &exp) || exp < 0))
    return reject_start(k, g->name, "%s: master_secret, master_salt and gid are hex, exp "
                  "is Unix seconds", "initial");

  settings->name = g->name;
  settings->exp = exp > 0 ? exp : (g->lifetime > 0 ? kdc_now(k) + g->lifetime : 0);
  settings->key_version = 0;
  if (!k->store->begin(k->store_p.state))
    return 0;
  if (gid_len > 0) {
    if (ms_len == 0) {
      ms_len = 16;
      if (!kdc_random(k, ms, ms_len))
        goto out;
    }
    settings->gid.ptr = gid;
    settings->gid.len = gid_len;
    settings->master_secret.ptr = ms;
    settings->master_secret.len = ms_len;
    settings->master_salt.ptr = salt;
    settings->master_salt.len = salt_len;
    if (!k->store->group_create(k->store_p.state, settings, &version))
      goto out;
  } else if (!k->ap->group_create(k->ap_p.state, settings, &version)) {
    goto out;
  }
  /* The appprofile may not take exp from the settings: set it. */
  {
    struct gkdc_store_group *rec = NULL;

    if (!k->store->group_get(k->store_p.state, g->name, &rec))
      goto out;
    if (rec->exp != settings->exp) {
      struct gkdc_store_group upd = *rec;

      upd.exp = settings->exp;
      if (!k->store->group_set_config(k->store_p.state, &upd)) {
        k->store->record_free(k->store_p.state, rec);
        goto out;
      }
    }
    k->store->record_free(k->store_p.state, rec);
  }
  if (!members_create(k, node, g, why, sizeof(why)))
    goto out;
  ok = kdc_commit(k);
  if (ok)
    kdc_log(k, GKDC_LOG_NOTICE, "group %s: created with key version %llu", g->name,
            (unsigned long long)version);

out:
  if (!ok) {
    const char *detail = k->store->last_error_detail(k->store_p.state);

    if (why[0] == '\0')
      snprintf(why, sizeof(why), "%s", detail != NULL && detail[0] != '\0'
                                           ? detail : "the store or the appprofile refused it");
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot create it: %s", g->name, why);
    kdc_rollback(k);
  }
  gkdc_wipe(ms, sizeof(ms));
  return ok;
}

int kdc_config_load(struct kdc_state *k)
{
  const gkdc_cfg *sec = k->host->config_get0(k->self);
  const gkdc_cfg *list = sec != NULL ? gkdc_cfg_get0(sec, "groups") : NULL;
  size_t n = list != NULL ? gkdc_cfg_count(list) : 0;
  size_t i, j;

  k->root = GKDC_KDC_ROOT_PATH;
  if (sec != NULL && gkdc_cfg_get0(sec, "root_path") != NULL &&
      (!gkdc_cfg_get_string(sec, "root_path", &k->root) || k->root[0] == '\0' ||
       k->root[0] == '/')) {
    kdc_log(k, GKDC_LOG_ERR, "config %s: root_path must be a path without a leading '/'",
            gkdc_cfg_where(gkdc_cfg_get0(sec, "root_path")));
    return 0;
  }
  {
    const gkdc_cfg *bad = names_unknown(sec, NAMES(section_names));

    if (bad != NULL) {
      kdc_log(k, GKDC_LOG_ERR, "config %s: unknown setting \"%s\" in "
              "plugin_config.kdc-groupcomm (it takes root_path and groups)",
              gkdc_cfg_where(bad), gkdc_cfg_name(bad));
      return 0;
    }
  }
  if (n == 0) {
    kdc_log(k, GKDC_LOG_WARNING, "no groups configured");
    return 1;
  }
  if ((k->groups = calloc(n, sizeof(*k->groups))) == NULL)
    return 0;
  k->group_count = n;

  for (i = 0; i < n; i++) {
    const gkdc_cfg *node = gkdc_cfg_elem0(list, i);
    struct kdc_group *g = &k->groups[i];
    uint8_t map[CFG_BUF];
    size_t map_len = sizeof(map);
    struct gkdc_store_group settings, *have = NULL;
    struct gkdc_ap_fail fail = {0, -1, NULL};
    size_t plen;

    g->k = k;
    if (!group_read(k, node, g, map, &map_len))
      return 0;
    for (j = 0; j < i; j++)
      if (strcmp(k->groups[j].name, g->name) == 0)
        return reject_start(k, g->name, "%s: the name appears twice", "groups");
    plen = strlen(k->root) + strlen(g->name) + 2;
    if ((g->path = malloc(plen)) == NULL)
      return 0;
    snprintf(g->path, plen, "%s/%s", k->root, g->name);

    memset(&settings, 0, sizeof(settings));
    settings.size = sizeof(settings);
    settings.name = g->name; /* so that the appprofile's messages name the group */
    if (!k->ap->config_parse(k->ap_p.state, map, map_len, &settings, &fail))
      return reject_start(k, g->name, "the application profile rejects the configuration: %s",
                    fail.detail != NULL ? fail.detail : "no reason given");
    settings.name = g->name;
    settings.max_stale_sets = g->max_stale_sets;

    if (k->store->group_get(k->store_p.state, g->name, &have)) {
      int same = check_existing(k, g, &settings, have);

      k->store->record_free(k->store_p.state, have);
      if (!same)
        return 0;
    } else if (!kdc_store_err_is(k, GKDC_STORE_E_NOT_FOUND)) {
      return reject_start(k, g->name, "cannot read it from the store: %s",
                    k->store->last_error_detail(k->store_p.state));
    } else if (!group_create(k, node, g, &settings)) {
      return 0;
    }
  }
  return 1;
}

void kdc_config_free(struct kdc_state *k)
{
  size_t i;

  for (i = 0; i < k->group_count; i++) {
    struct kdc_group *g = &k->groups[i];

    if (g->gm_parsed != NULL)
      ((const struct gkdc_credfmt_ops *)g->credfmt.ops)->free(g->credfmt.state,
                                                             g->gm_parsed);
    gkdc_wipe(g->gm_priv, sizeof(g->gm_priv));
    free(g->gm_cred);
    free(g->name);
    free(g->path);
  }
  free(k->groups);
  k->groups = NULL;
  k->group_count = 0;
}
