/*
 * gkdc plugin SDK: the appprofile plugin kind (an application profile of
 * RFC 9594, e.g. the OSCORE Group Manager profile).
 *
 * The kdc plugin runs the RFC 9594 interface and asks the appprofile for
 * everything the profile defines: the scope format and roles, which
 * methods each kind of requester may use, the group's algorithms and
 * credential format, node identifiers (OSCORE Sender IDs), the `key`
 * object, extra response parameters, the Token Transfer additions, and the
 * profile's own resources.
 *
 * State: group keying material, Sender IDs and stale Sender ID sets live in
 * the store plugin (<gkdc/store.h>), which the appprofile reaches through
 * host->get_store(). The KDC opens a store transaction (begin) before it
 * calls an operation that changes state and commits it before it sends the
 * response that reveals the change, or rolls it back when anything fails;
 * the appprofile never calls begin, commit or rollback itself and keeps no
 * group state of its own across calls.
 *
 * Operations return 1 on success and 0 on failure. Where a `fail` pointer
 * is passed and is not NULL, a failing operation fills it with the CoAP
 * response the KDC sends.
 */
#ifndef GKDC_APPPROFILE_H
#define GKDC_APPPROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>
#include <gkdc/host.h>
#include <gkdc/credfmt.h>
#include <gkdc/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Numbers of the OSCORE profile (draft-ietf-ace-key-groupcomm-oscore-21).
 * IANA registered all of them on 2026-03-25 with the values the draft
 * suggests, citing the approved draft. The draft is not yet a published
 * RFC, so re-check every value in this block on publication. They live in
 * this SDK header, not in the plugin, because the kdc plugin and the
 * joining-node tools put them on the wire too.
 */
#define GKDC_OSC_GROUPCOMM_PROFILE 1 /* ace_groupcomm_profile coap_group_oscore_app */
#define GKDC_OSC_GKTY 1              /* Group_OSCORE_Input_Material object */
#define GKDC_OSC_RT "core.osc.gm"    /* rt= of group-membership resources */

/* Group OSCORE Roles as Tperm bits (role n is bit 2^n; bit 0 is reserved). */
#define GKDC_OSC_ROLE_REQUESTER 0x02
#define GKDC_OSC_ROLE_RESPONDER 0x04
#define GKDC_OSC_ROLE_MONITOR 0x08
#define GKDC_OSC_ROLE_VERIFIER 0x10
/* Every role bit of a user scope entry. */
#define GKDC_OSC_ROLES_ALL 0x1e

/* ACE Groupcomm Parameters added by the profile. */
#define GKDC_OSC_GROUP_SENDERID 21  /* Key Renewal Response, top level */
#define GKDC_OSC_ECDH_INFO 31
#define GKDC_OSC_KDC_DH_CREDS 32
#define GKDC_OSC_SIGN_ENC_KEY 33
#define GKDC_OSC_STALE_NODE_IDS 34

/* OAuth Parameters CBOR Mappings added by the profile (/authz-info). The
 * Java implementation uses 92 and 93 instead; see the compatibility switch
 * of the group-oscore plugin. */
#define GKDC_OSC_OAUTH_ECDH_INFO 47
#define GKDC_OSC_OAUTH_KDC_DH_CREDS 48
/* The Java implementation's private values of the same two parameters.
 * The exp (11) and exi (12) of key distribution messages are seconds on
 * both sides, so the profile has no time-unit switch: only the token's
 * claims differ (milliseconds in Java), which the transport profile reads. */
#define GKDC_OSC_OAUTH_ECDH_INFO_JAVA 92
#define GKDC_OSC_OAUTH_KDC_DH_CREDS_JAVA 93

/* Content-Formats of the AIF scope (IANA assigned 297/298; the draft
 * suggested 295/296, which went to another document) and the CBOR tag of
 * the extended scope, TN(297) of RFC 9277. */
#define GKDC_OSC_CF_AIF_CBOR 297
#define GKDC_OSC_CF_AIF_JSON 298
#define GKDC_OSC_SCOPE_TAG UINT64_C(1668547115)

/* Labels inside Group_OSCORE_Input_Material (`key`). */
#define GKDC_OSC_KEY_MS 2
#define GKDC_OSC_KEY_HKDF 3
#define GKDC_OSC_KEY_ALG 4
#define GKDC_OSC_KEY_SALT 5
#define GKDC_OSC_KEY_CONTEXT_ID 6
#define GKDC_OSC_KEY_GROUP_SENDERID 7
#define GKDC_OSC_KEY_CRED_FMT 8
#define GKDC_OSC_KEY_GP_ENC_ALG 9
#define GKDC_OSC_KEY_SIGN_ALG 10
#define GKDC_OSC_KEY_SIGN_PARAMS 11
#define GKDC_OSC_KEY_ECDH_ALG 12
#define GKDC_OSC_KEY_ECDH_PARAMS 13

/* ACE Groupcomm Errors added by the profile. */
#define GKDC_OSC_ERR_NO_SIGNATURES 7     /* signatures not used in the group */
#define GKDC_OSC_ERR_ONLY_VERIFIERS 8    /* operation permitted only to signature verifiers */
#define GKDC_OSC_ERR_GROUP_INACTIVE 9    /* group currently not active */

/* Resources of a group, for access checks and dispatch. */
enum gkdc_ap_resource {
  GKDC_AP_RES_ROOT = 1,       /* /ace-group */
  GKDC_AP_RES_GROUP = 2,      /* /ace-group/GROUPNAME */
  GKDC_AP_RES_CREDS = 3,      /* .../creds */
  GKDC_AP_RES_KDC_CRED = 4,   /* .../kdc-cred */
  GKDC_AP_RES_POLICIES = 5,   /* .../policies */
  GKDC_AP_RES_NUM = 6,        /* .../num */
  GKDC_AP_RES_NODE = 7,       /* .../nodes/NODENAME */
  GKDC_AP_RES_NODE_CRED = 8,  /* .../nodes/NODENAME/cred */
  GKDC_AP_RES_PROFILE = 100,  /* first value of the profile's own resources */
};

/* Messages that carry `key` and the extra parameters. */
enum gkdc_ap_context {
  GKDC_AP_CTX_JOIN = 1,       /* Join Response */
  GKDC_AP_CTX_GROUP_GET = 2,  /* GET /ace-group/GROUPNAME */
  GKDC_AP_CTX_NODE_GET = 3,   /* GET .../nodes/NODENAME */
  GKDC_AP_CTX_NODE_RENEW = 4, /* POST .../nodes/NODENAME (Key Renewal) */
  GKDC_AP_CTX_REKEY = 5,      /* Point-to-Point rekeying message */
  GKDC_AP_CTX_VERIF = 6,      /* data for non-member signature verifiers */
};

/* The group modes of a group. */
#define GKDC_AP_MODE_GROUP 0x1    /* group mode (signatures) in use */
#define GKDC_AP_MODE_PAIRWISE 0x2 /* pairwise mode (ECDH) in use */

/* The error response a failed check turns into. */
struct gkdc_ap_fail {
  uint8_t code;     /* GKDC_CODE(); 4.00, 4.03, 5.03, ... */
  int error_id;     /* ACE Groupcomm error id, or -1 for none */
  const char *detail; /* text for the problem details' detail, or NULL; static
                       * or owned by the plugin until its next operation */
};

/*
 * The group configuration map that config_parse() takes: the group
 * configuration parameters of the OSCORE Group Manager admin interface
 * (draft-ietf-ace-oscore-gm-admin-17, IANA-registered 2026-04-22, not yet
 * in an RFC), plus gkdc's own settings under private-use labels (below
 * -65536). Absent parameters take the profile's defaults: HKDF SHA-256,
 * CCS credentials, both modes, AES-CCM-16-64-128, EdDSA with Ed25519,
 * ECDH-SS + HKDF-256 with X25519, three stale Sender ID sets.
 */
#define GKDC_OSC_CFG_HKDF (-1)           /* 5 or 7 (the HMAC algorithm) */
#define GKDC_OSC_CFG_CRED_FMT (-2)       /* COSE header label, e.g. 14 */
#define GKDC_OSC_CFG_GROUP_MODE (-3)     /* bool */
#define GKDC_OSC_CFG_GP_ENC_ALG (-4)     /* int or null */
#define GKDC_OSC_CFG_SIGN_ALG (-5)       /* int or null */
#define GKDC_OSC_CFG_SIGN_PARAMS (-6)    /* [[kty], [kty, crv]] or null */
#define GKDC_OSC_CFG_PAIRWISE_MODE (-7)  /* bool */
#define GKDC_OSC_CFG_ALG (-8)            /* int or null */
#define GKDC_OSC_CFG_ECDH_ALG (-9)       /* int or null */
#define GKDC_OSC_CFG_ECDH_PARAMS (-10)   /* [[kty], [kty, crv]] or null */
#define GKDC_OSC_CFG_ACTIVE (-12)        /* bool, default true */
#define GKDC_OSC_CFG_GROUP_NAME (-13)    /* tstr, must equal the group's name */
#define GKDC_OSC_CFG_MAX_STALE_SETS (-15) /* uint > 1, default 3 */
#define GKDC_OSC_CFG_GID_REUSE (-16)     /* bool; only false is supported */
/* gkdc settings (private use). */
#define GKDC_OSC_CFG_GID_PREFIX (-65537)      /* bstr of 0..8 bytes; default 2 random bytes */
#define GKDC_OSC_CFG_GID_EPOCH_LEN (-65538)   /* uint 1..4, default 2 */
#define GKDC_OSC_CFG_GID_EPOCH_START (-65539) /* uint, default 0 */
#define GKDC_OSC_CFG_MAX_SID_LEN (-65540)     /* uint 1..GKDC_STORE_SID_MAX */
#define GKDC_OSC_CFG_OAUTH_LABELS (-65541)    /* enum gkdc_osc_oauth_labels */
#define GKDC_OSC_CFG_ECDSA_DER (-65542)       /* bool: DER ECDSA PoP (Java peers) */
#define GKDC_OSC_CFG_MASTER_SECRET (-65543)   /* bstr: fixed first Master Secret (tests, interop) */
#define GKDC_OSC_CFG_MASTER_SALT (-65544)     /* bstr: fixed first Master Salt; h'' for none */
#define GKDC_OSC_CFG_SENDER_IDS (-65545)      /* [* bstr]: Sender IDs offered first */
#define GKDC_OSC_CFG_KDC_DH_CRED (-65546)     /* bstr: the Group Manager's Diffie-Hellman
                                               * credential, sent as kdc_dh_creds for a
                                               * pairwise-only group */

/* The OAuth keys that carry ecdh_info and kdc_dh_creds at /authz-info. */
enum gkdc_osc_oauth_labels {
  GKDC_OSC_OAUTH_RFC = 0,  /* 47 and 48 (the registered values; default) */
  GKDC_OSC_OAUTH_JAVA = 1, /* 92 and 93 (the Java implementation) */
  GKDC_OSC_OAUTH_BOTH = 2, /* accept either; reply under each key requested */
};

/* A member: its store record and its parsed credential (NULL for a
 * member without one). */
struct gkdc_ap_member {
  uint32_t size;
  const struct gkdc_store_member *rec;
  const struct gkdc_cred_info *cred;
};

/* The cryptographic settings of a group, from its configuration. */
struct gkdc_ap_group_crypto {
  uint32_t size;
  uint32_t modes;          /* GKDC_AP_MODE_* */
  int64_t cred_fmt;        /* COSE Header Parameter label */
  int32_t sign_alg;        /* 0 when the group mode is not used */
  int32_t sign_kty;
  int32_t sign_curve;
  int32_t ecdh_alg;        /* 0 when the pairwise mode is not used */
  int32_t ecdh_kty;
  int32_t ecdh_curve;
  const char *pop_method;  /* "sign", or "dh-mac" for pairwise-only groups */
  uint32_t pop_flags;      /* GKDC_POP_F_* for this group's peers */
};

/* A request context for an access check. */
struct gkdc_ap_access {
  uint32_t size;
  const struct gkdc_store_group *group; /* NULL for the root resource */
  int resource;                      /* enum gkdc_ap_resource or a profile value */
  uint32_t method;                   /* enum gkdc_method */
  int has_grant;                     /* the token grants roles in this group */
  uint64_t granted_roles;            /* the token's Tperm for this group */
  const struct gkdc_ap_member *member; /* the requester's membership, or NULL */
  int own_node;                      /* NODENAME is the requester's own */
};

/* A profile resource below /ace-group/GROUPNAME. */
struct gkdc_ap_resource_def {
  int id;              /* GKDC_AP_RES_PROFILE + n */
  const char *path;    /* segment, e.g. "verif-data" */
  uint32_t methods;    /* OR of GKDC_METHOD_BIT() */
  int observable;      /* 1 when the KDC keeps observers on it */
};

/*
 * The appprofile operation table. `st` is the state the plugin's init
 * returned.
 */
struct gkdc_appprofile_ops {
  uint32_t size;

  /* ace_groupcomm_profile value (GKDC_OSC_GROUPCOMM_PROFILE). */
  int64_t groupcomm_profile;
  /* Profile name for logs, e.g. "coap_group_oscore_app". */
  const char *name;
  /* gkty value of the `key` object (GKDC_OSC_GKTY). */
  int64_t gkty;
  /* Link-format attributes of the group-membership resources, e.g.
   * "rt=\"core.osc.gm\";if=\"ace.group\";ct=261". */
  const char *group_link_attrs;
  /* The profile's own resources, `resource_count` entries. */
  const struct gkdc_ap_resource_def *resources;
  size_t resource_count;

  /*
   * Finds the roles granted for group `name` in a token's scope claim
   * (`scope`, the encoded claim, possibly tagged as extended scope).
   * Returns 1 and fills *roles when the group is in the scope, 0 when it is
   * not or the scope is malformed (`fail` then tells the two apart).
   */
  int (*scope_roles)(void *st, struct gkdc_bytes scope, const char *name,
                     uint64_t *roles, struct gkdc_ap_fail *fail);

  /*
   * Parses the `scope` of a Join Request (one encoded scope entry): the
   * group name it names must be `name`, and the requested role set must be
   * one a node may join with. Fills *roles.
   */
  int (*join_scope_parse)(void *st, struct gkdc_bytes scope_entry,
                          const char *name, uint64_t *roles,
                          struct gkdc_ap_fail *fail);

  /* Returns 1 when roles `roles` send messages and so need a credential. */
  int (*roles_need_cred)(void *st, uint64_t roles);

  /*
   * Decides whether the request in `access` is permitted (RFC 9594 section
   * 4.1.2 plus the profile's table of methods per requester type). Returns
   * 1 to proceed, or 0 with `fail` set.
   */
  int (*access_check)(void *st, const struct gkdc_ap_access *access,
                      struct gkdc_ap_fail *fail);

  /*
   * Validates a group configuration map and fills the settings of `out`
   * (flags, algorithms, parameters, cred_fmt, max_stale_sets, config);
   * views in `out` point into `config`. `fail` describes what is wrong.
   */
  int (*config_parse)(void *st, const uint8_t *config, size_t config_len,
                      struct gkdc_store_group *out, struct gkdc_ap_fail *fail);

  /* Reads a group's cryptographic settings from its store record. */
  int (*group_crypto_get)(void *st, const struct gkdc_store_group *group,
                          struct gkdc_ap_group_crypto *out);

  /*
   * Creates group `settings->name` in the store with its first keying
   * material (OSCORE: a fresh Gid never used before, Master Secret and
   * Salt) and the profile's initial version. *version receives it.
   */
  int (*group_create)(void *st, const struct gkdc_store_group *settings,
                      uint64_t *version);

  /*
   * Rekeys group `name` in the store: new keying material (OSCORE: new Gid
   * and Master Secret; members keep their Sender IDs; stale sets rotate)
   * expiring at `exp` (Unix seconds). *version receives the new version.
   */
  int (*group_rekey)(void *st, const char *name, int64_t exp,
                     uint64_t *version);

  /*
   * Admits a joining node with `roles`: allocates its node identifier
   * (OSCORE: a Sender ID never used since the current Gid was set; none
   * for monitors) into `node_id` (`*node_id_len` holds the capacity, and
   * receives 0 when the node gets none). A re-joining member (`previous`
   * not NULL) gets a new one, and the old one becomes stale. When no
   * identifier is free, fails with 5.03 and error 4.
   */
  int (*member_join)(void *st, const struct gkdc_store_group *group,
                     const struct gkdc_ap_member *previous, uint64_t roles,
                     uint8_t *node_id, size_t *node_id_len,
                     struct gkdc_ap_fail *fail);

  /* Records that `member` left or was evicted: its identifier becomes
   * stale and is not reused until the next rekey. */
  int (*member_leave)(void *st, const struct gkdc_store_group *group,
                      const struct gkdc_ap_member *member);

  /*
   * Key Renewal (POST .../nodes/NODENAME): allocates a new node identifier
   * for `member` as member_join does for a re-join.
   */
  int (*member_renew)(void *st, const struct gkdc_store_group *group,
                      const struct gkdc_ap_member *member, uint8_t *node_id,
                      size_t *node_id_len, struct gkdc_ap_fail *fail);

  /*
   * Checks that a member's credential fits the group beyond what the
   * credfmt and the key algorithm decide (OSCORE: an Ed25519 key with
   * y = 1 or -1 cannot be mapped to X25519 for the pairwise mode).
   */
  int (*cred_check)(void *st, const struct gkdc_store_group *group,
                    const struct gkdc_cred_info *cred,
                    struct gkdc_ap_fail *fail);

  /*
   * Writes the encoded `key` value for `context` (enum gkdc_ap_context);
   * `member` is the recipient, NULL for messages to non-members.
   * `*out_len` holds the capacity on input.
   */
  int (*key_write)(void *st, const struct gkdc_store_group *group, int context,
                   const struct gkdc_ap_member *member, uint8_t *out,
                   size_t *out_len);

  /*
   * Writes the profile's top-level parameters for `context` as encoded CBOR
   * key/value pairs in ascending key order (OSCORE: group_senderId on Key
   * Renewal, stale_node_ids in rekeying messages, sign_enc_key for
   * verifiers), and their number in *entry_count. For GKDC_AP_CTX_REKEY
   * `group` is the record after group_rekey(), and stale_node_ids lists
   * the stale set of the version that the rekey replaced.
   */
  int (*extra_write)(void *st, const struct gkdc_store_group *group,
                     int context, const struct gkdc_ap_member *member,
                     uint8_t *out, size_t *out_len, size_t *entry_count);

  /*
   * Token Transfer additions (OSCORE: ecdh_info, kdc_dh_creds), requested
   * in `request_map` and written as pairs like extra_write. `groups` are
   * the groups of the token's scope that the KDC serves.
   */
  int (*token_transfer_write)(void *st, const uint8_t *request_map,
                              size_t request_map_len,
                              const struct gkdc_store_group *const *groups,
                              size_t group_count, uint8_t *out,
                              size_t *out_len, size_t *entry_count);

  /*
   * Handles a request to one of the profile's resources (`resource` from
   * `resources`, after access_check) and fills `resp`.
   */
  int (*resource_handle)(void *st, const struct gkdc_store_group *group,
                         int resource, const struct gkdc_ap_member *member,
                         const struct gkdc_request *req,
                         struct gkdc_response *resp);

  /* ---- appended operations (check with GKDC_HAS_OP) ---- */

  /*
   * Converts a group's section of the configuration file into the group
   * configuration map that config_parse() takes. Integer settings: hkdf,
   * cred_fmt, gp_enc_alg, sign_alg, alg, ecdh_alg, ecdh_curve (4 or 1),
   * max_stale_sets, gid_epoch_len, gid_epoch_start, max_sender_id_len.
   * Booleans: group_mode, pairwise_mode, active, gid_reuse, ecdsa_der. Hex
   * strings: gid_prefix, master_secret, master_salt, kdc_dh_cred, and the list
   * sender_ids. oauth_labels is "rfc", "java" or "both". The map is
   * written to `out` (`*out_len` is the capacity on input, the length on
   * output). Settings it does not know are left alone, because the kdc
   * plugin keeps its own settings in the same section. A known setting of
   * the wrong type fails with `fail` naming it.
   */
  int (*config_encode)(void *st, const gkdc_cfg *node, uint8_t *out,
                       size_t *out_len, struct gkdc_ap_fail *fail);

  /*
   * Writes one sign_info entry (`ecdh` 0) or ecdh_info entry (`ecdh` 1)
   * for `group`: [name, alg, alg_capab, key_capab, cred_fmt]. Fails when
   * the group does not use the mode.
   */
  int (*info_entry_write)(void *st, const struct gkdc_store_group *group,
                          int ecdh, uint8_t *out, size_t *out_len);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_APPPROFILE_H */
