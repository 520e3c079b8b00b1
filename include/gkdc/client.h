/*
 * gkdc: a non-blocking CoAP client on libcoap, for the joining node, the
 * tools and the benchmark.
 *
 * One gkdc_client drives many client sessions from one event loop: either
 * the host's loop (inside `gkdc serve`, or a tool that started the host's
 * CoAP context for its own listen endpoint) or a libcoap context of its
 * own. A session talks to one server over UDP or DTLS with a pre-shared
 * key, optionally through a security object that protects each request
 * and unprotects its responses with a profile plugin's client operations
 * (OSCORE). Callbacks get a plain response: code, Content-Format and the
 * whole body, reassembled from Block2 blocks. No libcoap type appears here.
 *
 * Everything runs on the thread that drives the loop. Callbacks may send
 * new requests and cancel requests, but must not free their client.
 */
#ifndef GKDC_CLIENT_H
#define GKDC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/host.h>
#include <gkdc/profile.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gkdc_client gkdc_client;
typedef struct gkdc_client_session gkdc_client_session;
typedef struct gkdc_client_request gkdc_client_request;
typedef struct gkdc_client_security gkdc_client_security;

/* The event loop that drives a client's sessions. */
enum gkdc_client_loop {
  /* The host's CoAP context (gkdc_coap_start() must have run); the host's
   * loop or gkdc_client_run_once() drives it. */
  GKDC_CLIENT_LOOP_HOST = 1,
  /* A libcoap context owned by the client; only gkdc_client_run_once()
   * drives it. */
  GKDC_CLIENT_LOOP_OWN = 2,
};

/* The outcome of a request, passed to its callback. */
enum gkdc_client_status {
  GKDC_CLIENT_OK = 0,          /* a response or notification arrived */
  GKDC_CLIENT_TIMEOUT = 1,     /* no response within the request's timeout */
  GKDC_CLIENT_RESET = 2,       /* the server sent a CoAP Reset */
  GKDC_CLIENT_UNREACHABLE = 3, /* retransmissions ran out, or ICMP error */
  GKDC_CLIENT_DTLS_FAILED = 4, /* the DTLS handshake or session failed */
  GKDC_CLIENT_UNPROTECT_FAILED = 5, /* a response failed the security check */
  GKDC_CLIENT_INCOMPLETE = 6,  /* libcoap gave up reassembling a block-wise body */
};

/* Returns a static English name of a status ("timed out", ...). */
const char *gkdc_client_status_str(int status);

/* A request to send. Every pointer borrows for the duration of the call. */
struct gkdc_client_msg {
  uint32_t method;        /* enum gkdc_method */
  const char *path;       /* "ace-group/g1", no leading slash; NULL or "" for the root */
  const char *query;      /* "k=v&flag", NULL for none */
  int32_t content_format; /* GKDC_CF_NONE for none */
  int32_t accept;         /* GKDC_CF_NONE for none */
  const uint8_t *payload; /* sent Block1-wise by libcoap when larger than a PDU */
  size_t payload_len;
  int observe;            /* 1 to register as an observer (GET and FETCH) */
  uint32_t timeout_ms;    /* until the (first) response; 0 for the default */
};

#define GKDC_CLIENT_DEFAULT_TIMEOUT_MS 10000

/* A response as passed to the callback. Every pointer borrows for the
 * duration of the callback. */
/* Capacity of gkdc_client_response.location_path, the final zero included. */
#define GKDC_CLIENT_LOCATION_MAX 256

struct gkdc_client_response {
  uint8_t code;            /* GKDC_CODE() */
  int32_t content_format;  /* GKDC_CF_NONE when absent */
  const uint8_t *payload;  /* the whole body */
  size_t payload_len;
  int64_t observe;         /* the Observe option's value, -1 when absent */
  int protected_response;  /* 1 when the security object unprotected it */
  char location_path[GKDC_CLIENT_LOCATION_MAX]; /* the Location-Path segments joined
                            * by '/' without a leading '/'; "" when absent, or
                            * when a segment contains '/' or a zero byte or the
                            * whole does not fit */
};

/*
 * The callback of a request. `status` is an enum gkdc_client_status and
 * `resp` is NULL unless status is GKDC_CLIENT_OK. For a plain request it
 * runs exactly once, after which the handle is gone. For an observation it
 * runs for the first response and each notification; it ends (the handle is
 * gone after the call) with a failure status, or with a response that
 * carries no Observe option. It never runs after gkdc_client_cancel().
 */
typedef void (*gkdc_client_response_fn)(void *arg, gkdc_client_request *req, int status,
                                        const struct gkdc_client_response *resp);

/* Credentials of a DTLS session with a pre-shared key. The identity must
 * not contain a zero byte: libcoap 4.3.1 sends it cut at the first one. */
struct gkdc_client_psk {
  struct gkdc_bytes identity;
  struct gkdc_bytes key;
};

/*
 * Creates a client on the host's CoAP context or on a context of its own.
 * Only one client may use the host's context at a time, because libcoap
 * has one response handler per context, and it must be freed before the
 * host stops its context. Returns NULL (after logging) when the host has
 * no CoAP context, another client uses it, or memory runs out.
 */
gkdc_client *gkdc_client_new(enum gkdc_client_loop loop);

/* Frees the client, its sessions and their requests without calling any
 * callback. Takes NULL. */
void gkdc_client_free(gkdc_client *c);

/*
 * Runs one round of the event loop: waits up to `max_wait_ms` for I/O (less
 * when a timer is due), processes it, then runs the due timers, which
 * include request timeouts. Returns 1, or 0 when the loop failed.
 */
int gkdc_client_run_once(gkdc_client *c, uint32_t max_wait_ms);

/*
 * Runs the loop until *done becomes non-zero or `timeout_ms` passed.
 * Returns 1 when *done was set, 0 on timeout or a loop failure.
 */
int gkdc_client_run_until(gkdc_client *c, const volatile int *done, uint32_t timeout_ms);

/* Returns the number of requests still waiting for a response or
 * notifications. */
size_t gkdc_client_pending(const gkdc_client *c);

/*
 * Opens a session to `uri` ("coap://HOST:PORT" or "coaps://HOST:PORT",
 * numeric or /etc/hosts names, IPv6 in brackets; no path). coaps needs
 * `psk`, which is copied. Returns NULL after logging on an invalid URI, a
 * missing or invalid PSK, or a build without DTLS for coaps. The DTLS
 * handshake starts at once and its failure fails the session's requests.
 */
gkdc_client_session *gkdc_client_session_new(gkdc_client *c, const char *uri,
                                             const struct gkdc_client_psk *psk);

/* Closes a session: frees its pending requests without calling their
 * callbacks, and its security object if it owns one. Takes NULL. */
void gkdc_client_session_free(gkdc_client_session *s);

/*
 * Protects every later request of the session with `sec` and unprotects
 * their responses. The session takes ownership of `sec` and frees it with
 * itself; NULL removes (and frees) the current one. Pending requests of the
 * session are cancelled first, because their bindings belong to the old
 * object.
 */
void gkdc_client_session_set_security(gkdc_client_session *s, gkdc_client_security *sec);

/*
 * Sends a request on the session. Returns the handle of the pending
 * request, owned by the client and valid until its final callback or
 * gkdc_client_cancel(). Returns NULL after logging when the request is
 * invalid (too many path or query segments, an option too long), when
 * protection failed or when libcoap refused it, and the callback does not
 * run then.
 */
gkdc_client_request *gkdc_client_send(gkdc_client_session *s, const struct gkdc_client_msg *msg,
                                      gkdc_client_response_fn fn, void *arg);

/*
 * Forgets a pending request without calling its callback. A late response
 * or notification is answered with a Reset, which also ends an observation
 * at the server (RFC 7641 section 3.6). Takes NULL.
 */
void gkdc_client_cancel(gkdc_client_request *req);

/* Returns the session of a pending request. */
gkdc_client_session *gkdc_client_request_session(const gkdc_client_request *req);

/*
 * Creates a security object from a profile plugin's client session: `ops`
 * and `st` are the profile's provider (host->find_profile()), `pc` a
 * session that its client_new() created and whose association is set up.
 * The object takes ownership of `pc` and frees it with client_free().
 * Returns NULL when the profile lacks the client operations (`pc` is then
 * freed too).
 */
gkdc_client_security *gkdc_client_security_new(const struct gkdc_profile_ops *ops, void *st,
                                               gkdc_profile_client *pc);

/* Frees a security object that no session owns; takes NULL. */
void gkdc_client_security_free(gkdc_client_security *sec);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_CLIENT_H */
