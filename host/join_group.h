/*
 * The group part of `gkdc join`: what a joining node does at the KDC once
 * its OSCORE security context with the KDC exists (the session given here
 * protects every request). Joining (RFC 9594 section 4.3.1 with the
 * OSCORE profile's PoP), verification of the KDC's PoP, derivation of the
 * Group OSCORE context, and the other node operations: the Verifier flow,
 * a new Sender ID, a new credential and leaving.
 *
 * The messages are encoded and parsed here with the CBOR helpers, because
 * the kdc plugin, whose joining-node operations do the same, cannot start
 * without a store and an appprofile plugin. Credentials are parsed by the
 * credfmt plugin of the group's format, and PoP evidence is made and
 * checked by the pop plugins, both found in the host's registry.
 *
 * Every function prints its progress to stdout and errors to stderr, and
 * never prints a key; keys appear as fingerprints only.
 */
#ifndef GKDC_HOST_JOIN_GROUP_H
#define GKDC_HOST_JOIN_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/client.h>
#include <gkdc/groupctx.h>

/* Inputs of the group part, from the command line and the token upload. */
struct gkdc_join_group_args {
  const char *group;      /* GROUPNAME */
  const char *root;       /* root of the group resources; NULL for "ace-group" */
  uint64_t roles;         /* Tperm bits, GKDC_OSC_ROLE_* */
  const char *key_file;   /* `gkdc keygen` output (COSE_Key with d); NULL for none */
  const char *cred_file;  /* its credential; NULL for KEY_FILE.ccs */
  struct gkdc_bytes kdcchallenge; /* N_S of the Token Transfer Response; may be empty */
  struct gkdc_bytes token_transfer_response; /* its whole payload, or empty: when
                                  * given, kdcchallenge defaults to its N_S and its
                                  * sign_info entry for the group is checked
                                  * against the node's credential */
  uint32_t pop_flags;     /* GKDC_POP_F_* of <gkdc/pop.h>, e.g. DER ECDSA for Java */
};

/*
 * Finds kdcchallenge (OAuth parameter 46, N_S) in the payload of a Token
 * Transfer Response (application/ace+cbor). Returns 1 with *out a view
 * into `payload`, or 0 when it is absent or not a byte string. A join
 * without it gets N_S from the KDC's 4.00 and retries.
 */
int gkdc_join_group_kdcchallenge(const uint8_t *payload, size_t len, struct gkdc_bytes *out);

/* The state of one joining node in one group. */
typedef struct gkdc_join_group gkdc_join_group;

/*
 * Creates the group state over the client `c` and its secured session `s`
 * (both borrowed) and loads the node's key pair when args->key_file is
 * set. Returns NULL after printing why.
 */
gkdc_join_group *gkdc_join_group_new(gkdc_client *c, gkdc_client_session *s,
                                     const struct gkdc_join_group_args *args);

/* Frees the state and its Group OSCORE context; takes NULL. */
void gkdc_join_group_free(gkdc_join_group *j);

/*
 * Joins the group: sends the Join Request (credential and PoP unless the
 * roles are Monitor only), retries once when a 4.00 carries a fresh
 * kdcchallenge, verifies kdc_cred_verify against kdc_cred and derives the
 * Group OSCORE context from the Join Response. Returns 1 on success.
 */
int gkdc_join_group_join(gkdc_join_group *j);

/*
 * The Verifier flow: GET .../verif-data, then FETCH .../kdc-cred with a
 * fresh cnonce, whose signature it verifies. Prints the Gid, the
 * algorithms and the fingerprint of the Signature Encryption Key.
 */
int gkdc_join_group_verifier(gkdc_join_group *j);

/*
 * Asks for a new Sender ID (POST .../nodes/NODENAME) and applies the
 * response: a new group_senderId, or new keying material when the KDC
 * rekeyed the group instead. Needs a joined context.
 */
int gkdc_join_group_renew_sender_id(gkdc_join_group *j, const char *node_name);

/*
 * Uploads a new credential (POST .../nodes/NODENAME/cred) with its PoP
 * over the scope of the last Join Request, the last N_S and a new N_C.
 * On success the node uses the new key pair from then on.
 */
int gkdc_join_group_new_credential(gkdc_join_group *j, const char *node_name,
                                   const char *key_file, const char *cred_file);

/*
 * Applies a rekeying message or a Key Distribution Response (`payload`,
 * CF 261) to the joined context by its version `num` (OSCORE profile
 * sections 11.2 and 11.3). The next version is installed after the stale
 * Sender IDs it lists were removed. A later version means missed rekeys:
 * the node sends FETCH .../stale-sids for the stale Sender IDs since its
 * version, removes them (all peers when the KDC no longer knows), then
 * installs. The same or an older version changes nothing. Members listed
 * in creds are added or updated.
 */
int gkdc_join_group_rekey_apply(gkdc_join_group *j, const uint8_t *payload, size_t len);

/* Fetches the current keying material (GET .../GROUPNAME) and applies it
 * with gkdc_join_group_rekey_apply(). */
int gkdc_join_group_refresh(gkdc_join_group *j);

/* Leaves the group (DELETE .../nodes/NODENAME) and drops the context. */
int gkdc_join_group_leave(gkdc_join_group *j, const char *node_name);

/* Returns the derived context, or NULL before a successful join. get0:
 * borrowed from `j`. */
const gkdc_groupctx *gkdc_join_group_ctx_get0(const gkdc_join_group *j);

/* Writes the derived context to `path` (mode 0600). */
int gkdc_join_group_write(const gkdc_join_group *j, const char *path);

/* The flags of `gkdc join` that select the group operations. */
struct gkdc_join_group_run_args {
  struct gkdc_join_group_args group;
  int monitor;              /* --monitor: join as Monitor without a credential */
  int verifier;             /* --verifier: the Verifier flow instead of a join */
  int renew_sender_id;      /* --renew-sid, after the join */
  const char *new_cred_key; /* --new-cred FILE: upload FILE's credential after the join */
  int refresh;              /* --refresh: fetch and apply the current keying material */
  int leave;                /* --leave: leave at the end */
  const char *node_name;    /* --node NAME: NODENAME for the node operations; NULL
                             * for the Location-Path of the Join Response */
  const char *out_file;     /* --out FILE: the context file; NULL for none */
};

/*
 * Checks the local inputs of `r` before any request is sent: the key pair
 * files of --key and --new-cred (a COSE_Key with its private key, and the
 * CCS beside it, FILE.ccs, carrying its public key) and that the directory
 * of --out is writable. Needs the credfmt plugin loaded. Returns 1, or 0
 * after printing what is wrong.
 */
int gkdc_join_group_check_files(const struct gkdc_join_group_run_args *r);

/*
 * Runs the group part of `gkdc join` on the secured session: the join (or
 * the Verifier flow), the optional node operations in the order new
 * Sender ID, new credential, refresh, leave, and writes the context file
 * before leaving. Returns 1 when everything succeeded.
 */
int gkdc_join_group_run(gkdc_client *c, gkdc_client_session *s,
                        const struct gkdc_join_group_run_args *r);

#endif /* GKDC_HOST_JOIN_GROUP_H */
