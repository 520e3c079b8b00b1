/*
 * Private interfaces between the files of the CoAP glue (coap_*.c,
 * router.c, observe.c, timer.c). Only these files include libcoap; the
 * rest of libgkdc uses the "CoAP glue" section of internal.h.
 */
#ifndef GKDC_HOST_COAP_GLUE_H
#define GKDC_HOST_COAP_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include <gkdc/coapmsg.h>
#include <gkdc/host.h>

#include "internal.h"

/* Maximum Uri-Path and Uri-Query options of a request that gkdc accepts. */
#define GKDC_MAX_PATH_SEGMENTS 16
#define GKDC_MAX_QUERIES 16

/* Text length of "[ipv6%scope]:port" plus the terminating NUL. */
#define GKDC_ADDR_TEXT_MAX 80

/* ---- router.c ---- */

/* A registered route with its owner and copies of its strings. */
struct gkdc_route_entry {
  gkdc_plugin *owner;
  char *path;          /* "a/b", no leading or trailing slash */
  size_t segment_count;
  uint32_t methods;
  uint32_t flags;
  char *link_attrs;    /* NULL when none */
  gkdc_handler_fn handler;
  void *arg;
  struct gkdc_route_entry *next;
};

/*
 * Finds the route with the longest path that matches the request path:
 * an exact match, or a GKDC_ROUTE_PREFIX route whose segments start the
 * request path. Returns NULL when none matches. The entry is borrowed and
 * valid until the route is removed.
 */
const struct gkdc_route_entry *gkdc_router_find(const struct gkdc_bytes *path,
                                                size_t path_count);

/* Removes every route (shutdown). */
void gkdc_router_clear(void);

/* ---- coap_request.c: a libcoap request as a gkdc_request ---- */

/* A parsed request and the storage its views point into. */
struct gkdc_parsed_request {
  struct gkdc_request req;
  struct gkdc_peer peer;
  struct gkdc_bytes path[GKDC_MAX_PATH_SEGMENTS];
  struct gkdc_bytes query[GKDC_MAX_QUERIES];
  char address[GKDC_ADDR_TEXT_MAX];
};

/*
 * Parses the options and body of `pdu` received on `session` into `out`.
 * The views point into `pdu`, which must outlive `out`. Returns 0 on
 * success, or the CoAP error code to respond with (4.00, 4.02) after logging why.
 */
uint8_t gkdc_coap_parse_request(coap_session_t *session, const coap_pdu_t *pdu,
                                struct gkdc_parsed_request *out);

/* Formats the peer address of a session as "ip:port" into buf. */
void gkdc_coap_peer_text(coap_session_t *session, char *buf, size_t cap);

/* Fills the peer (transport, address and DTLS identity) of a session. */
void gkdc_coap_fill_peer(coap_session_t *session, struct gkdc_peer *peer,
                         char *address, size_t address_cap);

/*
 * Writes a gkdc_response into a libcoap response PDU for `resource` (the
 * libcoap resource that received the request): code first, then
 * Location-Path, Content-Format, Max-Age and the payload, which goes
 * block-wise through libcoap when it is larger than one PDU. `request` is the
 * request being answered (its Block2 option selects the block) and `query`
 * its Uri-Query, which libcoap uses to match later block requests. Extra
 * options already in `pdu` must have numbers below 8 (Observe). Returns 1,
 * or 0 when the PDU could not take the response.
 */
int gkdc_coap_write_response(coap_resource_t *resource, coap_session_t *session,
                             const coap_pdu_t *request,
                             const coap_string_t *query,
                             const struct gkdc_response *resp, coap_pdu_t *pdu);

/* The libcoap context, or NULL before gkdc_coap_start. */
coap_context_t *gkdc_coap_context(void);

/* ---- coap_intercept.c ---- */

/*
 * Hands a request with an OSCORE option to the registered interceptor, or
 * answers 4.02 Bad Option when there is none.
 */
void gkdc_coap_intercept(coap_session_t *session, const coap_pdu_t *pdu,
                         coap_pdu_t *response);

/* Forgets the interceptor of a plugin that goes away (of any plugin when
 * owner is NULL). */
void gkdc_coap_intercept_remove_owner(gkdc_plugin *owner);

/* Forgets the block-wise replies kept for a session that goes away. */
void gkdc_coap_intercept_drop_session(coap_session_t *session);

/* Frees every kept block-wise reply (shutdown). */
void gkdc_coap_intercept_release_all(void);

/* Writes code, options and payload of a response message into `pdu` after
 * checking it (sorted options, no Uri-*, Block or Size options, one PDU).
 * Returns 1, or 0 when the message is invalid or does not fit. Replies of
 * an exchange larger than one PDU go out with outer Block2 instead. */
int gkdc_coap_write_msg(coap_pdu_t *pdu, const struct gkdc_coap_msg *msg);

/*
 * Writes a notification `msg` into `pdu` for the observation that the
 * request with `request_code` and OSCORE option value `oscore` registered
 * on `session`. A notification too large for `pdu` goes as block 0 with
 * outer Block2, and the host sends its later blocks when the client repeats
 * that request with Block2. Returns 1, or 0 when the message is invalid or
 * cannot be sent.
 */
int gkdc_coap_write_notification(coap_session_t *session, uint8_t request_code,
                                 const uint8_t *oscore, size_t oscore_len, coap_pdu_t *pdu,
                                 const struct gkdc_coap_msg *msg);

/* The session and request of an exchange whose interceptor call runs. */
coap_session_t *gkdc_coap_exchange_session(const gkdc_exchange *x);
const coap_pdu_t *gkdc_coap_exchange_request(const gkdc_exchange *x);

/* ---- coap_kept.c: exchanges kept by profiles, and notify hooks ---- */

/* Marks the kept exchanges of a notification that got an RST or timed out. */
void gkdc_coap_kept_nack(coap_session_t *session, const coap_pdu_t *sent,
                         coap_nack_reason_t reason);

/* Marks the kept exchanges of a session that goes away, and releases the
 * session. */
void gkdc_coap_kept_drop_session(coap_session_t *session);

/* Frees every kept exchange (shutdown). */
void gkdc_coap_kept_release_all(void);

/* Calls the profiles' notify hooks for `path`. */
void gkdc_coap_run_notify_hooks(const char *path);

/* Drops everything a plugin registered with the CoAP glue besides routes
 * and timers: its interceptor, notify hooks and DTLS callbacks. */
void gkdc_coap_forget_owner(gkdc_plugin *owner);

/* Drops the interceptor and every notify hook (shutdown). */
void gkdc_coap_forget_all(void);

/* Registers the libcoap request handlers on ctx. Returns 1 or 0. */
int gkdc_coap_handlers_init(coap_context_t *ctx);

/* ---- coap_deferred.c ---- */

/* The libcoap side of the request whose handler runs right now. */
struct gkdc_exchange_state {
  const struct gkdc_request *req;
  coap_resource_t *resource;
  coap_session_t *session;
  const coap_pdu_t *pdu;
  int deferred; /* set by gkdc_coap_defer */
};

/* Marks the exchange whose handler runs now; NULL after it returns. */
void gkdc_coap_set_current(struct gkdc_exchange_state *x);

/* Releases every pending deferred request without sending (shutdown). */
void gkdc_coap_deferred_release_all(void);

/* Drops the pending deferred requests of a session that goes away. */
void gkdc_coap_deferred_drop_session(coap_session_t *session);

/* ---- observe.c ---- */

/*
 * Registers the sender of `pdu` as an observer of `path` on `route`. Returns
 * the Observe value to put in the first response, or -1 on failure.
 */
int64_t gkdc_observe_register(coap_resource_t *resource, coap_session_t *session,
                              const coap_pdu_t *pdu,
                              const struct gkdc_route_entry *route);

/* Removes the observer with this session and token, if any. */
void gkdc_observe_deregister(coap_session_t *session, coap_bin_const_t token);

/* Removes every observer of a session that goes away. */
void gkdc_observe_drop_session(coap_session_t *session);

/* Removes every observer of a route that goes away. */
void gkdc_observe_drop_route(const struct gkdc_route_entry *route);

/* Returns COAP_MESSAGE_CON when the last CON notification of an observer
 * went out CON_INTERVAL_MS ago or never (and records now), else NON. */
coap_pdu_type_t gkdc_coap_notification_type(uint64_t *last_con_ms);

/* Drops the observer whose notification got an RST or timed out. */
void gkdc_observe_nack(coap_session_t *session, const coap_pdu_t *sent,
                       coap_nack_reason_t reason);

/* Releases every observer (shutdown). */
void gkdc_observe_release_all(void);

/* ---- coap_dtls.c ---- */

/* Sets up PSK on a context before its first coaps endpoint; `entry` is
 * that endpoint's listen group (psk_hint), or NULL. Returns 1 or 0. */
int gkdc_coap_dtls_setup(coap_context_t *ctx, const gkdc_cfg *entry);

/*
 * Copies the whole PSK identity that the peer of a DTLS session presented
 * into *out (a view valid until the session goes away). Returns 1, or 0 when
 * the session has none.
 */
int gkdc_coap_dtls_identity(coap_session_t *session, struct gkdc_bytes *out);

/* Forgets what is kept about a session that goes away. */
void gkdc_coap_dtls_drop_session(coap_session_t *session);

/* Releases all DTLS state (shutdown). */
void gkdc_coap_dtls_release_all(void);

/* Forgets the PSK lookup and client-key check of a plugin that goes away;
 * handshakes that need them fail from then on. */
void gkdc_coap_dtls_remove_owner(gkdc_plugin *owner);

/* ---- timer.c ---- */

/* Milliseconds until the next timer is due: 0 when one is due now,
 * UINT64_MAX when there is none. */
uint64_t gkdc_timer_next_delay(void);

/* Runs the callbacks of the timers that are due. */
void gkdc_timer_run_due(void);

/* Cancels every timer (shutdown). */
void gkdc_timer_cancel_all(void);

/* The monotonic clock in milliseconds. */
uint64_t gkdc_timer_now_ms(void);

/* ---- client.c: the client on the host's context ---- */

/* Pass the host context's NACKs and session events on to the client that
 * uses the context (<gkdc/client.h>); they ignore server sessions. */
void gkdc_client_host_nack(coap_session_t *session, const coap_pdu_t *sent,
                           coap_nack_reason_t reason);
void gkdc_client_host_event(coap_session_t *session, coap_event_t event);

/* ---- coap_block1.c: Block1 reassembly of request bodies ---- */

/* What gkdc_coap_block1_collect() did with a request. */
enum gkdc_block1_result {
  GKDC_BLOCK1_NONE = 0,     /* no Block1 option: the PDU's payload is the body */
  GKDC_BLOCK1_ANSWERED = 1, /* `response` is complete (2.31 or an error) */
  GKDC_BLOCK1_COMPLETE = 2, /* *body is the whole body; the handler runs */
};

/*
 * Collects one block of a Block1 request (RFC 7959) received on `session`.
 * Bodies are limited to 64 KiB (larger ones get 4.13 with Size1), blocks
 * must arrive in order (else 4.08), and a transfer is identified by the
 * session and the request URI. On GKDC_BLOCK1_COMPLETE, *body stays valid
 * until gkdc_coap_block1_release().
 */
enum gkdc_block1_result gkdc_coap_block1_collect(coap_session_t *session,
                                                 const coap_pdu_t *pdu,
                                                 coap_pdu_t *response,
                                                 const uint8_t **body,
                                                 size_t *body_len);

/* Frees the body of the last completed transfer. */
void gkdc_coap_block1_release(void);

/* Drops the unfinished transfers of a session, or of all when NULL. */
void gkdc_coap_block1_forget_session(coap_session_t *session);

/* 1 when libcoap's coap_get_block_b() is interposed by the host, so that
 * libcoap's own Block1 reassembly never runs on received requests. */
int gkdc_coap_block1_hook_active(void);

#endif /* GKDC_HOST_COAP_GLUE_H */
