/*
 * appprofile-group-oscore: internal interfaces between the files of the
 * plugin, the OSCORE application profile of RFC 9594
 * (draft-ietf-ace-key-groupcomm-oscore-21). Its wire numbers are in
 * <gkdc/appprofile.h>.
 */
#ifndef OSC_INTERNAL_H
#define OSC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/kdc.h>
#include <gkdc/store.h>

/* Lengths of fresh keying material, in bytes. */
#define OSC_MS_LEN 16
#define OSC_SALT_LEN 8
#define OSC_GID_PREFIX_MAX 8
#define OSC_GID_PREFIX_DEFAULT_LEN 2
#define OSC_GID_MAX (OSC_GID_PREFIX_MAX + 4)
/* Sender IDs offered before the store's own order (GKDC_OSC_CFG_SENDER_IDS). */
#define OSC_SENDER_IDS_MAX 16

struct osc_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  struct gkdc_provider store_p;
  const struct gkdc_store_ops *store;
  const struct gkdc_crypto *cx;  /* NULL when the host has no crypto adapter */
  int oauth_labels;              /* plugin default, enum gkdc_osc_oauth_labels */
  char detail[192];              /* text of the latest failure, for fail->detail */
};

/* A group configuration map, decoded and completed with the defaults.
 * Views point into the map. */
struct osc_cfg {
  uint32_t modes;               /* GKDC_AP_MODE_* */
  int32_t hkdf;                 /* 5 or 7 */
  int64_t cred_fmt;
  int32_t gp_enc_alg;           /* 0 when the group mode is not used */
  int32_t sign_alg;
  int32_t sign_kty, sign_crv;
  int32_t alg;                  /* 0 when the pairwise mode is not used */
  int32_t ecdh_alg;
  int32_t ecdh_kty, ecdh_crv;
  int active;
  uint32_t max_stale_sets;
  int has_prefix;
  uint8_t prefix[OSC_GID_PREFIX_MAX];
  size_t prefix_len;
  size_t epoch_len;
  uint64_t epoch_start;
  size_t max_sid_len;           /* 0: only the algorithms bound it */
  int oauth_labels;             /* -1: the plugin default */
  int ecdsa_der;
  int has_ms, has_salt;
  struct gkdc_bytes ms, salt;
  size_t sender_id_count;
  struct gkdc_bytes sender_ids[OSC_SENDER_IDS_MAX];
  struct gkdc_bytes name;       /* group_name when given; empty otherwise */
  struct gkdc_bytes kdc_dh_cred; /* empty when not configured */
};

/* An entry of the profile's algorithm table, with its OSCORE nonce and key lengths. */
struct osc_aead {
  int32_t id;
  const char *name;
  uint8_t key_len;
  uint8_t nonce_len;            /* the OSCORE nonce; 12 for the CTR ciphers */
  uint8_t is_aead;              /* 0 for A128CTR and friends (group mode only) */
};

/* ---- osc_plugin.c ---- */

void osc_log(const struct osc_state *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Formats fail->detail into s->detail and fills `fail`. */
void osc_fail(struct osc_state *s, struct gkdc_ap_fail *fail, uint8_t code,
              int error_id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int osc_random(const struct osc_state *s, uint8_t *buf, size_t len);

/* ---- osc_roles.c ---- */

int osc_scope_roles(void *st, struct gkdc_bytes scope, const char *name,
                    uint64_t *roles, struct gkdc_ap_fail *fail);
int osc_join_scope_parse(void *st, struct gkdc_bytes scope_entry,
                         const char *name, uint64_t *roles,
                         struct gkdc_ap_fail *fail);
/* 1 when `roles` is a role set a node may join with: 2, 4, 6 or 8. */
int osc_roles_valid_for_join(uint64_t roles);
int osc_roles_need_cred(void *st, uint64_t roles);
int osc_access_check(void *st, const struct gkdc_ap_access *a,
                     struct gkdc_ap_fail *fail);

/* ---- osc_config.c ---- */

const struct osc_aead *osc_aead_find(int32_t id);
/*
 * Decodes and validates a group configuration map into *c. `group` names
 * the group in messages. Returns 1, or 0 with `fail` set (4.00, error 12
 * of the admin interface for values gkdc cannot use).
 */
int osc_cfg_decode(struct osc_state *s, const char *group, const uint8_t *map,
                   size_t len, struct osc_cfg *c, struct gkdc_ap_fail *fail);
/* Decodes the configuration stored with a group record. */
int osc_cfg_of_group(struct osc_state *s, const struct gkdc_store_group *g,
                     struct osc_cfg *c);
/* The longest Sender ID the group's algorithms and settings allow. */
size_t osc_sid_max_len(const struct osc_state *s, const struct gkdc_store_group *g,
                       const struct osc_cfg *c);
int osc_config_parse(void *st, const uint8_t *config, size_t config_len,
                     struct gkdc_store_group *out, struct gkdc_ap_fail *fail);
int osc_group_crypto_get(void *st, const struct gkdc_store_group *group,
                         struct gkdc_ap_group_crypto *out);
int osc_config_encode(void *st, const gkdc_cfg *node, uint8_t *out,
                      size_t *out_len, struct gkdc_ap_fail *fail);
/* Reads kty and crv from encoded [[kty], [kty, crv]]. */
int osc_params_key(struct gkdc_bytes params, int32_t *kty, int32_t *crv);

/* ---- osc_members.c ---- */

int osc_group_create(void *st, const struct gkdc_store_group *settings,
                     uint64_t *version);
int osc_group_rekey(void *st, const char *name, int64_t exp, uint64_t *version);
/* The Gid that follows `gid` in its group: the same prefix and the next
 * epoch. Returns 0 when the epoch space is used up. */
int osc_gid_next(const uint8_t *gid, size_t gid_len, size_t epoch_len,
                 uint8_t *out, size_t *out_len);
int osc_member_join(void *st, const struct gkdc_store_group *group,
                    const struct gkdc_ap_member *previous, uint64_t roles,
                    uint8_t *node_id, size_t *node_id_len,
                    struct gkdc_ap_fail *fail);
int osc_member_leave(void *st, const struct gkdc_store_group *group,
                     const struct gkdc_ap_member *member);
int osc_member_renew(void *st, const struct gkdc_store_group *group,
                     const struct gkdc_ap_member *member, uint8_t *node_id,
                     size_t *node_id_len, struct gkdc_ap_fail *fail);
int osc_cred_check(void *st, const struct gkdc_store_group *group,
                   const struct gkdc_cred_info *cred, struct gkdc_ap_fail *fail);

/* ---- osc_key.c ---- */

int osc_key_write(void *st, const struct gkdc_store_group *group, int context,
                  const struct gkdc_ap_member *member, uint8_t *out,
                  size_t *out_len);
int osc_extra_write(void *st, const struct gkdc_store_group *group, int context,
                    const struct gkdc_ap_member *member, uint8_t *out,
                    size_t *out_len, size_t *entry_count);
/* Derives the group's Signature Encryption Key into key[0..*key_len). */
int osc_sign_enc_key(const struct osc_state *s, const struct gkdc_store_group *g,
                     uint8_t *key, size_t *key_len);
/* Puts a sign_info (ecdh 0) or ecdh_info (ecdh 1) entry into `e`. */
int osc_put_info_entry(struct gkdc_cbor_enc *e, const struct gkdc_store_group *g,
                       int ecdh);
int osc_info_entry_write(void *st, const struct gkdc_store_group *group, int ecdh,
                         uint8_t *out, size_t *out_len);
int osc_token_transfer_write(void *st, const uint8_t *request_map,
                             size_t request_map_len,
                             const struct gkdc_store_group *const *groups,
                             size_t group_count, uint8_t *out, size_t *out_len,
                             size_t *entry_count);

/* ---- osc_resources.c ---- */

/* Ids of the profile's resources. */
#define OSC_RES_ACTIVE (GKDC_AP_RES_PROFILE + 0)
#define OSC_RES_VERIF_DATA (GKDC_AP_RES_PROFILE + 1)
#define OSC_RES_STALE_SIDS (GKDC_AP_RES_PROFILE + 2)
extern const struct gkdc_ap_resource_def osc_resources[3];

int osc_resource_handle(void *st, const struct gkdc_store_group *group,
                        int resource, const struct gkdc_ap_member *member,
                        const struct gkdc_request *req, struct gkdc_response *resp);

#endif /* OSC_INTERNAL_H */
