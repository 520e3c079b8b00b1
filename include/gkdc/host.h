/*
 * gkdc plugin SDK: the host API table, and the plain request and response
 * that the router hands to resource handlers.
 *
 * Handlers never see a libcoap type. The same handler serves a request that
 * arrived in plain CoAP, over DTLS or decrypted from OSCORE; the transport
 * shows only in request->peer.
 */
#ifndef GKDC_HOST_H
#define GKDC_HOST_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels, the syslog values. */
enum gkdc_log_level {
  GKDC_LOG_ERR = 3,
  GKDC_LOG_WARNING = 4,
  GKDC_LOG_NOTICE = 5,
  GKDC_LOG_INFO = 6,
  GKDC_LOG_DEBUG = 7,
};

/* CoAP methods (RFC 7252, RFC 8132 codes). */
enum gkdc_method {
  GKDC_GET = 1,
  GKDC_POST = 2,
  GKDC_PUT = 3,
  GKDC_DELETE = 4,
  GKDC_FETCH = 5,
  GKDC_PATCH = 6,
  GKDC_IPATCH = 7,
};

/* Bit for a method in gkdc_route.methods. */
#define GKDC_METHOD_BIT(m) (1u << (m))

/* A CoAP response code from its class and detail, e.g. GKDC_CODE(4, 3). */
#define GKDC_CODE(cls, detail) ((uint8_t)(((cls) << 5) | (detail)))
#define GKDC_CODE_CLASS(code) ((code) >> 5)
#define GKDC_CODE_DETAIL(code) ((code) & 0x1f)

/* Content-Formats used across gkdc. */
#define GKDC_CF_NONE (-1)
#define GKDC_CF_LINK_FORMAT 40
#define GKDC_CF_CBOR 60
#define GKDC_CF_ACE_CBOR 19            /* application/ace+cbor */
#define GKDC_CF_CONCISE_PROBLEM 257    /* application/concise-problem-details+cbor */
#define GKDC_CF_ACE_GROUPCOMM_CBOR 261 /* application/ace-groupcomm+cbor */

/* Observe request option: absent, register (0) or deregister (1). */
#define GKDC_OBSERVE_NONE (-1)
#define GKDC_OBSERVE_REGISTER 0
#define GKDC_OBSERVE_DEREGISTER 1

/* How the peer reached the host. */
enum gkdc_transport {
  GKDC_TRANSPORT_UDP = 1,    /* plain CoAP over UDP: no authenticated identity */
  GKDC_TRANSPORT_DTLS = 2,   /* CoAP over DTLS */
  GKDC_TRANSPORT_OSCORE = 3, /* an OSCORE-protected request, decrypted */
  GKDC_TRANSPORT_LOCAL = 4,  /* an in-process call, e.g. a unit test */
};

/*
 * The authorization bound to a secured peer: what its access token granted.
 * Owned by the profile plugin that authenticated the peer; valid for the
 * duration of the handler call.
 */
struct gkdc_authz {
  uint32_t size;
  const char *ace_profile;     /* e.g. "coap_oscore" */
  struct gkdc_bytes token_id;  /* stable id of the bound token (its cti, or a hash) */
  struct gkdc_bytes scope;     /* the token's scope claim, encoded CBOR */
  const char *audience;        /* the audience the token was accepted for */
  int64_t expires_at;          /* Unix seconds, 0 when unknown */
  void *profile_data;          /* opaque to everyone but the profile plugin */
};

/* The peer that sent a request. */
struct gkdc_peer {
  uint32_t size;
  uint32_t transport;             /* enum gkdc_transport */
  const char *address;            /* "ip:port" text, for logs */
  struct gkdc_bytes identity;     /* DTLS PSK identity, OSCORE kid, ...; empty if none */
  const struct gkdc_authz *authz; /* NULL when no valid token is bound */
};

/* Opaque handle of a request whose response is sent later. */
typedef struct gkdc_deferred gkdc_deferred;

/* A request as the router hands it to a handler. All pointers borrow. */
struct gkdc_request {
  uint32_t size;
  uint32_t method;               /* enum gkdc_method */
  const struct gkdc_bytes *path; /* Uri-Path segments, not percent-decoded */
  size_t path_count;
  const struct gkdc_bytes *query; /* Uri-Query options, each "k=v" or "k" */
  size_t query_count;
  int32_t content_format; /* GKDC_CF_NONE when absent */
  int32_t accept;         /* GKDC_CF_NONE when absent */
  const uint8_t *payload; /* whole body, reassembled from blocks */
  size_t payload_len;
  int32_t observe; /* GKDC_OBSERVE_* */
  const struct gkdc_peer *peer;
};

/* Maximum Location-Path segments in a response. */
#define GKDC_MAX_LOCATION 8

/*
 * A response filled by a handler. The payload and location segments are
 * owned by the response: set them with gkdc_response_set_payload() and
 * gkdc_response_add_location(), which copy.
 */
struct gkdc_response {
  uint32_t size;
  uint8_t code;           /* GKDC_CODE(); 0 means "not set" */
  int32_t content_format; /* GKDC_CF_NONE for none */
  uint8_t *payload;
  size_t payload_len;
  char *location[GKDC_MAX_LOCATION];
  size_t location_count;
  int64_t max_age; /* seconds, -1 for the default */
};

/* What a handler returns. */
enum gkdc_handler_result {
  GKDC_HANDLED = 0,  /* the response is complete */
  GKDC_DEFERRED = 1, /* the handler called host->defer() and answers later */
};

/*
 * A resource handler. `arg` is the route's argument. Returns
 * GKDC_HANDLED after filling `resp`, or GKDC_DEFERRED after taking a
 * gkdc_deferred handle with host->defer(req).
 */
typedef int (*gkdc_handler_fn)(void *arg, const struct gkdc_request *req,
                               struct gkdc_response *resp);

/* Route flags. */
#define GKDC_ROUTE_PREFIX 0x1     /* also matches every path below `path` */
#define GKDC_ROUTE_OBSERVABLE 0x2 /* GET registrations are kept as observers */
#define GKDC_ROUTE_HIDDEN 0x4     /* not listed in /.well-known/core */

/*
 * A route: a path ("ace-group" or "ace-group/g1", no leading slash), the
 * methods it takes and its link-format attributes.
 */
struct gkdc_route {
  uint32_t size;
  const char *path;
  uint32_t methods; /* OR of GKDC_METHOD_BIT() */
  uint32_t flags;   /* GKDC_ROUTE_* */
  const char *link_attrs; /* e.g. "rt=\"core.osc.gm\";ct=261", or NULL */
  gkdc_handler_fn handler;
  void *arg;
};

/* Opaque configuration node: a group, a list or a scalar of the config file. */
typedef struct gkdc_cfg gkdc_cfg;

/* A timer callback. */
typedef void (*gkdc_timer_fn)(void *arg);

/* A plain CoAP message; see gkdc/coapmsg.h. */
struct gkdc_coap_msg;

/* Opaque handle of one CoAP request/response exchange, for interceptors. */
typedef struct gkdc_exchange gkdc_exchange;

/* Opaque handle of an exchange kept for notifications (an observation that
 * a profile plugin serves). */
typedef struct gkdc_exchange_ref gkdc_exchange_ref;

/* A profile's part of host->notify(): called with the path that changed. */
typedef void (*gkdc_notify_hook_fn)(void *arg, const char *path);

/*
 * An interceptor of OSCORE-protected requests. It receives the whole outer
 * message (`msg` and its views are valid during the call) and its peer, and
 * answers with host->exchange_reply(x, ...), typically after unprotecting
 * the message, dispatching the inner request with host->dispatch() and
 * protecting the response. When it returns without a reply, the host sends
 * 5.00 Internal Server Error. A CON request may arrive twice with the same
 * message ID (libcoap 4.3.1 does not remove duplicates), so the interceptor
 * answers a repeated message ID from its own response cache.
 */
typedef void (*gkdc_intercept_fn)(void *arg, gkdc_exchange *x,
                                  const struct gkdc_coap_msg *msg,
                                  const struct gkdc_peer *peer);

/*
 * A DTLS PSK lookup. Receives the whole PSK identity that the client sent
 * (it may contain zero bytes) and the peer address; writes the key into
 * key[0..cap) and its length to *key_len and returns 1 to accept, or returns
 * 0 to reject the handshake.
 */
typedef int (*gkdc_dtls_psk_fn)(void *arg, const struct gkdc_bytes *identity,
                                const char *peer_address, uint8_t *key,
                                size_t cap, size_t *key_len);

/*
 * A DTLS raw-public-key check (RFC 7250). Receives the client's public key
 * as a DER SubjectPublicKeyInfo and the peer address; returns 1 to accept
 * the handshake, 0 to reject it.
 */
typedef int (*gkdc_dtls_rpk_fn)(void *arg, const struct gkdc_bytes *spki,
                                const char *peer_address);

/* Registry entries handed out by the host; see the kind headers. */
struct gkdc_alg_ops;
struct gkdc_credfmt_ops;
struct gkdc_pop_ops;
struct gkdc_profile_ops;
struct gkdc_kdc_ops;
struct gkdc_appprofile_ops;
struct gkdc_store_ops;
struct gkdc_as_ops;
struct gkdc_crypto;

/*
 * A plugin found in the registry: its ops table and the state its init
 * returned, which the caller passes back as the first argument of each op.
 */
struct gkdc_provider {
  const void *ops;
  void *state;
  const char *plugin_name;
};

/*
 * The host API table, handed to every plugin's init. It stays valid until
 * after the plugin's fini. Call an operation only if GKDC_HAS_OP() says the
 * host has it (a plugin may run in a host of an older minor version).
 */
struct gkdc_host_api {
  uint32_t size;
  uint32_t abi_minor;

  /* Logging. Never pass key material. */
  void (*log)(gkdc_plugin *self, int level, const char *fmt, ...)
      __attribute__((format(printf, 3, 4)));
  void (*vlog)(gkdc_plugin *self, int level, const char *fmt, va_list ap);
  int (*log_enabled)(int level);

  /* The plugin's own config section ("plugin_config.<name>" in the config file);
   * NULL when there is none. get0: borrowed, valid until fini. */
  const gkdc_cfg *(*config_get0)(gkdc_plugin *self);
  /* The whole config file's root node. */
  const gkdc_cfg *(*config_root_get0)(void);

  /* Routes. Returns 1, or 0 when the path is taken or invalid. */
  int (*route_add)(gkdc_plugin *self, const struct gkdc_route *route);
  int (*route_remove)(gkdc_plugin *self, const char *path);

  /* Deferred responses: take a handle inside the handler, then complete it
   * once with respond(), which takes ownership of the handle and sends. */
  gkdc_deferred *(*defer)(const struct gkdc_request *req);
  void (*respond)(gkdc_deferred *d, struct gkdc_response *resp);

  /* Observe: tell the host that the representation at `path` changed. It
   * calls the route's handler again with a GET for each observer and sends
   * the notification (an observer behind a profile is notified by it). */
  void (*notify)(gkdc_plugin *self, const char *path);

  /* Timers on the event loop. timer_add returns an id > 0, or 0 on error. */
  uint64_t (*timer_add)(gkdc_plugin *self, uint64_t delay_ms, int repeat,
                        gkdc_timer_fn fn, void *arg);
  void (*timer_cancel)(uint64_t id);

  /* Registry lookups; 1 when found (and *out filled), 0 otherwise. */
  int (*find_alg)(int32_t cose_alg, struct gkdc_provider *out);
  int (*find_hkdf)(int32_t cose_hash_alg, struct gkdc_provider *out);
  int (*find_credfmt)(int64_t cose_header_label, struct gkdc_provider *out);
  int (*find_pop)(const char *name, struct gkdc_provider *out);
  int (*find_profile)(const char *ace_profile, struct gkdc_provider *out);
  int (*get_kdc)(struct gkdc_provider *out);
  int (*get_appprofile)(struct gkdc_provider *out);
  int (*get_store)(struct gkdc_provider *out);
  int (*get_as)(struct gkdc_provider *out);

  /* The crypto adapter that the CBOR/COSE helpers of libgkdc take. */
  const struct gkdc_crypto *(*crypto_get0)(void);

  /* Current time in Unix seconds and a monotonic clock in milliseconds. */
  int64_t (*now)(void);
  uint64_t (*monotonic_ms)(void);

  /* The directory for state files (e.g. the SQLite database). */
  const char *(*state_dir)(void);

  /* ---- Hooks for profile plugins; check them with GKDC_HAS_OP. ---- */

  /* Registers the interceptor of requests that carry an OSCORE option
   * (number 9). Without one, such requests are answered 4.02 Bad Option.
   * Returns 1, or 0 when another plugin registered one already. */
  int (*intercept_add)(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg);
  /* Sends `msg` as the response to exchange `x`: code, options (without
   * Uri-* options) and payload; type, message ID and token are the host's.
   * Valid only while the interceptor call for `x` runs, and only once per
   * exchange. Returns 1, or 0 when the message does not fit or was sent. */
  int (*exchange_reply)(gkdc_exchange *x, const struct gkdc_coap_msg *msg);
  /* Dispatches a request (e.g. the decrypted inner request of an OSCORE
   * message) to the route handlers and fills `resp`, initialized by the
   * caller with gkdc_response_init(). Returns 1, or 0 when the handler
   * tried to defer, which such requests do not support (resp is 5.00). */
  int (*dispatch)(const struct gkdc_request *req, struct gkdc_response *resp);
  /* Installs the PSK lookup of DTLS (coaps) endpoints. Returns 1, or 0 when
   * another plugin installed one or the host has no DTLS. */
  int (*dtls_psk_set)(gkdc_plugin *self, gkdc_dtls_psk_fn fn, void *arg);
  /* Sets the host's raw public key for DTLS (coaps) endpoints, a P-256
   * private key in PEM ("EC PRIVATE KEY", copied), and the check of client
   * keys. Returns 1, or 0 when another plugin set one, the key is invalid
   * or the host has no DTLS. */
  int (*dtls_rpk_set)(gkdc_plugin *self, const struct gkdc_bytes *private_key_pem,
                      gkdc_dtls_rpk_fn fn, void *arg);

  /* Observations behind a profile (e.g. OSCORE, where each notification is
   * protected anew). exchange_keep, valid while the interceptor call for `x`
   * runs, keeps the peer and token of `x` and returns a handle, or NULL.
   * exchange_notify sends `msg` (code, options, payload, as for
   * exchange_reply) as a notification on it (CON at most every 100 s, NON
   * in between, as for the host's own observers); it returns 0 once the peer
   * rejected or stopped acknowledging a notification, or its session closed.
   * exchange_release frees the handle; the host frees the handles that are
   * left at shutdown, after which exchange_release ignores them. */
  gkdc_exchange_ref *(*exchange_keep)(gkdc_exchange *x);
  int (*exchange_notify)(gkdc_exchange_ref *ref, const struct gkdc_coap_msg *msg);
  void (*exchange_release)(gkdc_exchange_ref *ref);
  /* Adds `fn` to host->notify(): every call for a path then also calls
   * fn(arg, path), so the profile can notify its own observers. Returns 1
   * or 0. The host drops the hooks of a plugin before its fini. */
  int (*notify_hook_add)(gkdc_plugin *self, gkdc_notify_hook_fn fn, void *arg);
};

/*
 * Configuration accessors, implemented in libgkdc. `path` is a
 * libconfig-style dotted path relative to `node` ("groups", "alg.sign").
 * The getters return 1 and fill *out when the setting exists and has the
 * right type; 0 otherwise. Strings are borrowed from the config.
 */
const gkdc_cfg *gkdc_cfg_get0(const gkdc_cfg *node, const char *path);
int gkdc_cfg_get_string(const gkdc_cfg *node, const char *path, const char **out);
int gkdc_cfg_get_int(const gkdc_cfg *node, const char *path, int64_t *out);
int gkdc_cfg_get_bool(const gkdc_cfg *node, const char *path, int *out);
/* A hex string ("a1b2...") decoded into a caller buffer of `cap` bytes. */
int gkdc_cfg_get_hex(const gkdc_cfg *node, const char *path, uint8_t *buf,
                     size_t cap, size_t *len_out);
/* Element count of a list or array node, 0 for a scalar. */
size_t gkdc_cfg_count(const gkdc_cfg *node);
const gkdc_cfg *gkdc_cfg_elem0(const gkdc_cfg *node, size_t index);
/* Name of a group member node ("kid" in kid = ...), NULL for list elements. */
const char *gkdc_cfg_name(const gkdc_cfg *node);
/* "file:line" of a node for error messages, in a static buffer. */
const char *gkdc_cfg_where(const gkdc_cfg *node);

/*
 * Response helpers, implemented in libgkdc. set_payload copies `len` bytes
 * (replacing any earlier payload) and returns 1, or 0 on allocation failure.
 * add_location copies one Location-Path segment.
 */
int gkdc_response_set_payload(struct gkdc_response *resp, const uint8_t *data,
                              size_t len);
int gkdc_response_add_location(struct gkdc_response *resp, const char *segment);
/* Initializes an empty response (code 0, no payload, no max-age). */
void gkdc_response_init(struct gkdc_response *resp);
/* Releases what a response owns; the struct itself stays the caller's. */
void gkdc_response_clear(struct gkdc_response *resp);

/* Sets code, content-format and payload in one call; returns 1 or 0. */
int gkdc_response_set(struct gkdc_response *resp, uint8_t code,
                      int32_t content_format, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_HOST_H */
