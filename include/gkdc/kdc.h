/*
 * gkdc plugin SDK: the kdc plugin kind (the KDC interface of RFC 9594).
 *
 * The kdc plugin owns the group resources under the root path (default
 * "ace-group"): joining, authorization by scope, credentials, node
 * resources, rekeying and leaving. It registers its routes at init and
 * answers them; everything application-profile specific (the `key` object,
 * roles, node identifiers, extra resources) it asks of the appprofile
 * plugin (<gkdc/appprofile.h>), durable state goes to the store plugin,
 * credentials are parsed by credfmt plugins and PoP evidence is made and
 * checked by pop plugins.
 *
 * The operations below are what other parts call: the transport profile
 * (the Token Transfer hook and token events), the host and admin tools
 * (group lifecycle and rekey triggers) and the joining node (request
 * building and response parsing). There is one kdc plugin per host
 * (host->get_kdc()).
 *
 * Operations return 1 on success and 0 on failure; where an `err` pointer is
 * passed and is not NULL, a failing operation stores an enum gkdc_kdc_err
 * value there.
 */
#ifndef GKDC_KDC_H
#define GKDC_KDC_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>
#include <gkdc/host.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ACE Groupcomm Parameters, CBOR map keys in application/ace-groupcomm+cbor
 * (RFC 9594 section 8 and IANA). */
#define GKDC_GC_GID 0
#define GKDC_GC_GNAME 1
#define GKDC_GC_GURI 2
#define GKDC_GC_SCOPE 3
#define GKDC_GC_GET_CREDS 4
#define GKDC_GC_CLIENT_CRED 5
#define GKDC_GC_CNONCE 6
#define GKDC_GC_GKTY 7
#define GKDC_GC_KEY 8
#define GKDC_GC_NUM 9
#define GKDC_GC_ACE_GROUPCOMM_PROFILE 10
#define GKDC_GC_EXP 11
#define GKDC_GC_EXI 12
#define GKDC_GC_CREDS 13
#define GKDC_GC_PEER_ROLES 14
#define GKDC_GC_PEER_IDENTIFIERS 15
#define GKDC_GC_GROUP_POLICIES 16
#define GKDC_GC_KDC_CRED 17
#define GKDC_GC_KDC_NONCE 18
#define GKDC_GC_KDC_CRED_VERIFY 19
#define GKDC_GC_REKEYING_SCHEME 20
#define GKDC_GC_CLIENT_CRED_VERIFY 24
#define GKDC_GC_CREDS_REPO 25
#define GKDC_GC_CONTROL_URI 26
#define GKDC_GC_MGT_KEY_MATERIAL 27
#define GKDC_GC_CONTROL_GROUP_URI 28
#define GKDC_GC_SIGN_INFO 29
#define GKDC_GC_KDCCHALLENGE 30

/* The same two parameters in application/ace+cbor (OAuth Parameters CBOR
 * Mappings, RFC 9594 section 11.4), used at /authz-info. */
#define GKDC_OAUTH_SIGN_INFO 45
#define GKDC_OAUTH_KDCCHALLENGE 46

/* ACE Groupcomm Policies (RFC 9594 section 4.3.1). */
#define GKDC_GC_POLICY_SEQNUM_SYNC 0
#define GKDC_GC_POLICY_KEY_CHECK_INTERVAL 1
#define GKDC_GC_POLICY_EXP_DELTA 2

/* ACE Groupcomm Rekeying Schemes. */
#define GKDC_GC_REKEY_POINT_TO_POINT 0

/* ACE Groupcomm Errors (RFC 9594 section 9), the `error-id` carried in
 * {0: {0: error-id}} of an application/concise-problem-details+cbor body. */
#define GKDC_GC_ERR_ONLY_MEMBERS 0
#define GKDC_GC_ERR_ROLES_INCONSISTENT 1
#define GKDC_GC_ERR_CRED_INCOMPATIBLE 2
#define GKDC_GC_ERR_INVALID_POP 3
#define GKDC_GC_ERR_NO_INDIVIDUAL_KEYS 4
#define GKDC_GC_ERR_MEMBERSHIP_TERMINATED 5
#define GKDC_GC_ERR_GROUP_DELETED 6

/* Custom Problem Detail key of ace-groupcomm-error (RFC 9594 section 4.1.2). */
#define GKDC_PROBLEM_ACE_GROUPCOMM_ERROR 0

/* Default root path of the group resources. */
#define GKDC_KDC_ROOT_PATH "ace-group"

/* Error codes of the kdc operations. */
enum gkdc_kdc_err {
  GKDC_KDC_OK = 0,
  GKDC_KDC_ERR_MALFORMED = 1,  /* input is not what the operation takes */
  GKDC_KDC_ERR_NOT_FOUND = 2,  /* no such group, member or token */
  GKDC_KDC_ERR_EXISTS = 3,     /* a group of that name exists */
  GKDC_KDC_ERR_CONFIG = 4,     /* group configuration rejected by the appprofile */
  GKDC_KDC_ERR_BUFFER = 5,     /* caller's output buffer too small */
  GKDC_KDC_ERR_STORE = 6,      /* the store failed; nothing was changed */
  GKDC_KDC_ERR_CRYPTO = 7,     /* a crypto, credfmt or pop provider failed */
  GKDC_KDC_ERR_REJECTED = 8,   /* the KDC answered with an error (see the result) */
  GKDC_KDC_ERR_INTERNAL = 9,
};

/* Reasons for a rekey. */
enum gkdc_rekey_reason {
  GKDC_REKEY_JOIN = 1,     /* backward security on a join */
  GKDC_REKEY_LEAVE = 2,    /* forward security on a leave */
  GKDC_REKEY_EVICTION = 3, /* forward security on a forced removal */
  GKDC_REKEY_EXPIRY = 4,   /* keying material near its expiration time */
  GKDC_REKEY_SCHEDULE = 5, /* periodic rekeying */
  GKDC_REKEY_ADMIN = 6,    /* an administrator or a tool asked */
  GKDC_REKEY_RESTART = 7,  /* first rekey after the KDC restarted */
};

/* Reasons a token stops authorizing its holder. */
enum gkdc_token_end {
  GKDC_TOKEN_EXPIRED = 1,  /* `exp` passed, or the `exi` lifetime ran out */
  GKDC_TOKEN_REPLACED = 2, /* a newer token for the same PoP key took its place */
  GKDC_TOKEN_REVOKED = 3,  /* revoked, or introspection says inactive */
};

/*
 * The Token Transfer exchange at /authz-info (RFC 9594 section 3.3), as
 * the transport profile hands it to the KDC after it accepted the token.
 */
struct gkdc_kdc_token_transfer {
  uint32_t size;
  const struct gkdc_authz *authz; /* the accepted token: id, scope, expiry */
  const uint8_t *request_map;     /* the whole application/ace+cbor request map */
  size_t request_map_len;
};

/* What a joining node asks for in its Token Transfer Request, each sent
 * with the value null (token_transfer_request). */
#define GKDC_KDC_ASK_SIGN_INFO 0x1    /* sign_info: signature parameters */
#define GKDC_KDC_ASK_ECDH_INFO 0x2    /* ecdh_info: pairwise-mode parameters */
#define GKDC_KDC_ASK_KDC_DH_CREDS 0x4 /* kdc_dh_creds: the KDC's DH credentials */

/*
 * The KDC's parameters in a Token Transfer Response, as a joining node
 * parses them. Views point into the parsed payload; an absent parameter is
 * an empty view.
 */
struct gkdc_kdc_token_transfer_info {
  uint32_t size;
  struct gkdc_bytes kdcchallenge; /* N_S */
  struct gkdc_bytes sign_info;    /* encoded sign_info array */
  struct gkdc_bytes ecdh_info;    /* encoded ecdh_info array */
  struct gkdc_bytes kdc_dh_creds; /* encoded kdc_dh_creds array */
};

/* A group's lifecycle state. */
enum gkdc_group_status {
  GKDC_GROUP_ACTIVE = 1,   /* members may join and communicate */
  GKDC_GROUP_INACTIVE = 2, /* joins are refused; members stop sending */
};

/*
 * A Join Request as a joining node builds it (RFC 9594 section 4.3.1).
 * Empty views mean "absent".
 */
struct gkdc_kdc_join_args {
  uint32_t size;
  struct gkdc_bytes scope_entry; /* encoded scope entry, sent in `scope` */
  int get_creds;                 /* 1: add get_creds for the given roles */
  const uint64_t *get_creds_roles; /* role_filter elements, e.g. Tperm values */
  size_t get_creds_role_count;   /* 0 with get_creds == 1 sends `null` */
  struct gkdc_bytes client_cred; /* the credential bytes, or h'' on re-join */
  struct gkdc_bytes cnonce;      /* N_C, always present */
  struct gkdc_bytes client_cred_verify; /* PoP evidence */
  const char *control_uri;       /* NULL when absent */
};

/*
 * The fields of a Join Response, a Key Distribution Response or a
 * rekeying message, as a joining node parses them. Views point into the
 * parsed message; `*_present` tell absent from empty.
 */
struct gkdc_kdc_key_dist {
  uint32_t size;
  int64_t gkty;
  struct gkdc_bytes key;      /* encoded `key` value, for the appprofile */
  int64_t num;
  int has_exp;
  int64_t exp;
  int has_exi;
  int64_t exi;
  int has_profile;
  int64_t ace_groupcomm_profile;
  struct gkdc_bytes creds;            /* encoded array, empty when absent */
  struct gkdc_bytes peer_roles;       /* encoded array, empty when absent */
  struct gkdc_bytes peer_identifiers; /* encoded array, empty when absent */
  struct gkdc_bytes group_policies;   /* encoded map, empty when absent */
  int kdc_cred_present;
  struct gkdc_bytes kdc_cred;
  struct gkdc_bytes kdc_nonce;
  struct gkdc_bytes kdc_cred_verify;
  int has_rekeying_scheme;
  int64_t rekeying_scheme;
  struct gkdc_bytes mgt_key_material;
  struct gkdc_bytes control_group_uri;
  struct gkdc_bytes extra;  /* the whole message map, for profile parameters */
};

/*
 * The kdc operation table. `st` is the state the plugin's init returned.
 */
struct gkdc_kdc_ops {
  uint32_t size;

  /* Default root path of the group resources (GKDC_KDC_ROOT_PATH). The
   * path a running KDC serves can differ: ask root_path_get. */
  const char *root_path;

  /*
   * Token Transfer Response hook. Called by the transport profile inside
   * its /authz-info handler after the token was verified and stored, and
   * before the 2.01 response is built. Writes the KDC's response
   * parameters (kdcchallenge, sign_info, and the appprofile's additions
   * such as ecdh_info and kdc_dh_creds) as encoded CBOR key/value pairs,
   * in ascending key order, to `entries`; `*entry_count` receives the
   * number of pairs, so the profile writes one map head for its own and
   * these pairs. `*entries_len` holds the capacity on input. The KDC
   * stores the new N_S with the token before returning.
   */
  int (*token_transfer)(void *st, const struct gkdc_kdc_token_transfer *tt,
                        uint8_t *entries, size_t *entries_len,
                        size_t *entry_count, int *err);

  /*
   * Tells the KDC that a token stopped authorizing its holder (`reason`,
   * enum gkdc_token_end). The KDC removes the memberships bound to it
   * (RFC 9594 section 5), rekeying where forward security requires, and
   * forgets its N_S. For GKDC_TOKEN_REPLACED `new_authz` is the token that
   * took over; the memberships move to it instead. Unknown ids succeed.
   */
  int (*token_end)(void *st, struct gkdc_bytes token_id, int reason,
                   const struct gkdc_authz *new_authz);

  /*
   * Creates group `name` from `config`, a CBOR map of group configuration
   * parameters that the appprofile validates (the admin interface's
   * configuration object). Creates its resources and first keying
   * material and commits them to the store.
   */
  int (*group_create)(void *st, const char *name, const uint8_t *config,
                      size_t config_len, int *err);

  /*
   * Deletes group `name`: notifies observers of the group resource with an
   * unsolicited 4.04 carrying error GKDC_GC_ERR_GROUP_DELETED, removes the
   * resources and the stored state.
   */
  int (*group_delete)(void *st, const char *name, int *err);

  /* Sets a group's status (enum gkdc_group_status) and notifies observers
   * of its status resource. */
  int (*group_set_status)(void *st, const char *name, int status, int *err);

  /*
   * Rekeys group `name` now (`reason`, enum gkdc_rekey_reason): new keying
   * material and version, committed to the store, then distributed to
   * every member by the Point-to-Point scheme (notifications to observers,
   * POSTs to control URIs).
   */
  int (*rekey)(void *st, const char *name, int reason, int *err);

  /*
   * Removes member `node_name` from group `name` as a forced eviction:
   * tells the node (unsolicited 4.04 with GKDC_GC_ERR_MEMBERSHIP_TERMINATED
   * or DELETE to its control URI) and rekeys if forward security requires.
   */
  int (*evict)(void *st, const char *name, const char *node_name, int *err);

  /*
   * Joining-node side: writes the payload of a Join Request
   * (application/ace-groupcomm+cbor) for `args` to `out`. `*out_len` holds
   * the capacity on input.
   */
  int (*join_request_build)(void *st, const struct gkdc_kdc_join_args *args,
                            uint8_t *out, size_t *out_len, int *err);

  /*
   * Joining-node side: parses a Join Response, Key Distribution Response or
   * rekeying message payload into `out`, whose views point into `payload`.
   * Checks types and the presence of gkty, key and num.
   */
  int (*key_dist_parse)(void *st, const uint8_t *payload, size_t payload_len,
                        struct gkdc_kdc_key_dist *out, int *err);

  /*
   * Joining-node side: writes the Token Transfer Request parameters that
   * `ask` (GKDC_KDC_ASK_*) selects, each with the value null, as encoded
   * CBOR key/value pairs in ascending key order for the profile's
   * client_authz_info_request (<gkdc/profile.h>). `*entry_count` receives
   * the number of pairs.
   */
  int (*token_transfer_request)(void *st, uint32_t ask, uint8_t *entries,
                                size_t *entries_len, size_t *entry_count,
                                int *err);

  /*
   * Joining-node side: reads the KDC's parameters from the payload of a
   * Token Transfer Response (the application/ace+cbor map the profile
   * processed) into `out`, checking their types.
   */
  int (*token_transfer_response_parse)(void *st, const uint8_t *payload,
                                       size_t payload_len,
                                       struct gkdc_kdc_token_transfer_info *out,
                                       int *err);

  /*
   * Returns the root path the KDC serves its group resources under, as
   * configured (no leading '/', e.g. "ace-group"). The string is the
   * plugin's and stays valid until its fini.
   */
  const char *(*root_path_get)(void *st);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_KDC_H */
