/*
 * gkdc plugin SDK: the profile plugin kind (one ACE transport profile each,
 * such as the OSCORE profile of RFC 9203 or the DTLS profile of RFC 9202).
 *
 * Several profile plugins can be loaded at once. The host registers each
 * table under its `ace_profile` value, the name that the access token and
 * the AS use for the profile ("coap_oscore", "coap_dtls"), and
 * host->find_profile() returns it.
 *
 * What a profile owns, server side (the KDC is the ACE Resource Server):
 *   - token upload: POST /authz-info (RFC 9200 section 5.10.1). One route
 *     serves every loaded profile: the host asks each profile's
 *     authz_info_match() and hands the request to the one that takes it.
 *     The profile verifies the token, binds it to its security association
 *     (an OSCORE context, a DTLS session), stores it, calls the KDC's
 *     token_transfer hook (<gkdc/kdc.h>) so the KDC adds its Token Transfer
 *     Response parameters (kdcchallenge, sign_info, ecdh_info,
 *     kdc_dh_creds), and answers 2.01;
 *   - securing requests: it unprotects requests (OSCORE through the host's
 *     intercept_add() hook, DTLS through dtls_psk_set()), fills
 *     gkdc_peer.authz with the bound token and dispatches the inner request
 *     with host->dispatch(); it protects the response and every later
 *     Observe notification of that request (protect_notification());
 *   - token lifetime: when a bound token expires or is replaced, it stops
 *     accepting requests on the association (4.01) and tells the KDC with
 *     the kdc ops' token_end().
 *
 * Client side (the joining node of `gkdc join`): a client session holds
 * one security association with one KDC. The profile builds the token
 * upload and processes its answer, then protects requests and unprotects
 * their responses and notifications.
 *
 * All operations return 1 on success and 0 on failure unless documented
 * otherwise; `st` is the state the plugin's init returned. Output buffers
 * are caller-owned; a length passed by pointer holds the capacity on input
 * and the length written on output.
 */
#ifndef GKDC_PROFILE_H
#define GKDC_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/coapmsg.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ace_profile values of RFC 9203 (OSCORE) and RFC 9202 (DTLS). */
#define GKDC_ACE_PROFILE_OSCORE "coap_oscore"
#define GKDC_ACE_PROFILE_DTLS "coap_dtls"

/* OAuth parameters of the OSCORE profile's token upload in
 * application/ace+cbor (RFC 9203 sections 4.1 and 4.2). Their CBOR ace_profile
 * values and the other OAuth parameters are in <gkdc/as.h>, the KDC's
 * (sign_info, kdcchallenge, ...) in <gkdc/kdc.h>. */
#define GKDC_OAUTH_NONCE1 40
#define GKDC_OAUTH_NONCE2 42
#define GKDC_OAUTH_ACE_CLIENT_RECIPIENTID 43
#define GKDC_OAUTH_ACE_SERVER_RECIPIENTID 44

/* A bound request on a secured association: what a response or a later
 * notification to it needs (OSCORE: the request's kid, Partial IV and
 * nonce). Owned by the profile; released with binding_release(). */
typedef struct gkdc_profile_binding gkdc_profile_binding;

/* A client session with one KDC. Owned by the profile; freed with
 * client_free(). */
typedef struct gkdc_profile_client gkdc_profile_client;

/* The input of a client session: the AS's Access Information. */
struct gkdc_profile_client_args {
  uint32_t size;
  struct gkdc_bytes access_token; /* the token bytes, as the AS sent them */
  struct gkdc_bytes cnf;          /* the encoded `cnf` map of the AS response */
  int64_t expires_in;             /* seconds, 0 when the AS did not say */
};

/* The profile operation table. */
struct gkdc_profile_ops {
  uint32_t size;

  /* The ace_profile value the registry keys on. It stays right after
   * `size`. */
  const char *ace_profile;

  /* ---- server side ---- */

  /*
   * Tells whether this profile handles a POST to /authz-info: for example
   * the OSCORE profile takes unprotected uploads carrying nonce1 and
   * uploads protected with one of its contexts, the DTLS profile uploads
   * on its DTLS sessions. Returns 1 to take it, 0 otherwise.
   */
  int (*authz_info_match)(void *st, const struct gkdc_request *req);

  /*
   * Handles the upload: verifies the token, binds and stores it, asks the
   * KDC for its Token Transfer Response parameters and fills `resp` (2.01
   * with Content-Format 19, or the error RFC 9200 section 5.10.1 names).
   * Returns GKDC_HANDLED.
   */
  int (*authz_info)(void *st, const struct gkdc_request *req, struct gkdc_response *resp);

  /*
   * protect_notification and protect_error serve a host that sends the
   * notifications of a profile's observations itself. A profile that keeps
   * its observations on the host's exchange hooks (the OSCORE profile
   * does) leaves them NULL.
   *
   * Protects an Observe notification to the request bound in `b` (from
   * the message the route handler produced for the observer) into `out`,
   * with views into `buf` (capacity `cap`). Each call takes fresh
   * protection (OSCORE: a new Partial IV). Returns 0 when the bound
   * token expired; the caller then sends the 4.01 that ends the
   * observation, as protect_error() builds it.
   */
  int (*protect_notification)(void *st, gkdc_profile_binding *b,
                              const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                              uint8_t *buf, size_t cap);

  /*
   * Builds the response that ends a request or an observation on the
   * association of `b` without a valid token: 4.01, unprotected where the
   * profile's rules require it (OSCORE: an unprotected 4.01 for an expired
   * context).
   */
  int (*protect_error)(void *st, gkdc_profile_binding *b, uint8_t code,
                       struct gkdc_coap_msg *out, uint8_t *buf, size_t cap);

  /* Releases a binding (from client_protect_request, or kept for an
   * observation); takes NULL. */
  void (*binding_release)(void *st, gkdc_profile_binding *b);

  /*
   * The authorization bound to a peer identity (a DTLS PSK identity or an
   * OSCORE kid), for hosts that secure the transport themselves. Sets *out
   * (get0: valid until the next call into the profile) and returns 1, or
   * returns 0 when no valid token is bound.
   */
  int (*authz_lookup)(void *st, const struct gkdc_peer *peer,
                      const struct gkdc_authz **out);

  /* ---- client side ---- */

  /* Starts a session from the AS's Access Information. */
  int (*client_new)(void *st, const struct gkdc_profile_client_args *args,
                    gkdc_profile_client **out);

  /* Frees a session and wipes its keys; takes NULL. */
  void (*client_free)(void *st, gkdc_profile_client *c);

  /*
   * Builds the payload of the token upload (application/ace+cbor) into
   * `out`: the profile's own parameters (OSCORE: access_token, nonce1,
   * ace_client_recipientid) and the caller's `extra` pairs, encoded CBOR
   * key/value pairs in ascending key order (`extra_count` of them; the
   * KDC's client side adds sign_info, ecdh_info, kdc_dh_creds requests).
   */
  int (*client_authz_info_request)(void *st, gkdc_profile_client *c,
                                   const uint8_t *extra, size_t extra_len,
                                   size_t extra_count, uint8_t *out, size_t *out_len);

  /*
   * Processes the 2.01 payload of the upload and sets up the association
   * (OSCORE: nonce2 and ace_server_recipientid, then the context
   * derivation). The whole map stays available to the caller, which reads
   * the KDC's parameters (kdcchallenge, sign_info, ...) from it.
   */
  int (*client_authz_info_response)(void *st, gkdc_profile_client *c,
                                    const uint8_t *payload, size_t len);

  /*
   * Protects a request of the session into `out` (views into `buf` and
   * `in`) and returns its binding in *b for the response.
   */
  int (*client_protect_request)(void *st, gkdc_profile_client *c,
                                const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                uint8_t *buf, size_t cap, gkdc_profile_binding **b);

  /*
   * Unprotects a response or notification to the request bound in `b`.
   * Returns 0 for a message to drop: a failed check, a replayed or older
   * notification, or an unprotected response other than the protocol's
   * own errors (OSCORE: only unprotected 4.00, 4.01 and 4.02 pass, and
   * then `out` is the message as received).
   */
  int (*client_unprotect_response)(void *st, gkdc_profile_client *c,
                                   gkdc_profile_binding *b, const struct gkdc_coap_msg *in,
                                   struct gkdc_coap_msg *out, uint8_t *buf, size_t cap);

  /* ---- server side, requests to a client (appended; check with
   * GKDC_HAS_OP) ---- */

  /*
   * Protects a request that the server sends to the client of `authz` (a
   * token bound by this profile, as in gkdc_peer.authz), on the same
   * security association (OSCORE: the context from /authz-info, with the
   * server as sender). Writes `out` (views into `buf` and `in`) and the
   * binding for the response in *b. Returns 0 when the token is no longer
   * bound or has expired.
   */
  int (*server_protect_request)(void *st, const struct gkdc_authz *authz,
                                const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                uint8_t *buf, size_t cap, gkdc_profile_binding **b);

  /*
   * Unprotects the client's response to a request of
   * server_protect_request(); the same rules as client_unprotect_response().
   * Returns 0 also when the association ended in between.
   */
  int (*server_unprotect_response)(void *st, gkdc_profile_binding *b,
                                   const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                   uint8_t *buf, size_t cap);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_PROFILE_H */
