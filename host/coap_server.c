/*
 * The libcoap context of the host: endpoints from the config's `listen`
 * list, the event loop with timers, session events, libcoap's log routed to
 * gkdc's log, and shutdown.
 *
 *   listen = ( { uri = "coap://127.0.0.1:5683"; },
 *              { uri = "coaps://[::1]:0"; psk_hint = "kdc"; } );
 *
 * Port 0 binds an ephemeral port; gkdc_coap_log_endpoints() and
 * gkdc_coap_write_endpoints() report the bound ones.
 */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "coap_glue.h"

/* Upper bound of listen entries. */
#define MAX_ENDPOINTS 16

/* Maximum wait in coap_io_process, so that the loop sees a stop request soon. */
#define MAX_WAIT_MS 500

/* The listen list when the config has none. */
#define DEFAULT_LISTEN "coap://127.0.0.1:5683"

struct endpoint {
  coap_endpoint_t *ep;
  int secure;
};

static coap_context_t *ctx;
static struct endpoint endpoints[MAX_ENDPOINTS];
static size_t endpoint_count;
static int started_libcoap;

coap_context_t *gkdc_coap_context(void) {
  return ctx;
}

/* Keeps message payloads out of the log; see gkdc_log_libcoap(). */
static void log_handler(coap_log_t level, const char *message) {
  gkdc_log_libcoap((int)level, message);
}

/* Returns the most detailed enabled gkdc log level as a libcoap level. */
static coap_log_t libcoap_level(void) {
  int level;

  for (level = GKDC_LOG_DEBUG; level > GKDC_LOG_ERR; level--) {
    if (gkdc_log_enabled(level))
      break;
  }
  return (coap_log_t)level;
}

/* Forgets everything kept about a session that closes or goes away. */
static int event_handler(coap_session_t *session, const coap_event_t event) {
  switch (event) {
  case COAP_EVENT_DTLS_CLOSED:
  case COAP_EVENT_DTLS_ERROR:
  case COAP_EVENT_SESSION_CLOSED:
  case COAP_EVENT_SESSION_FAILED:
  case COAP_EVENT_SERVER_SESSION_DEL:
    gkdc_observe_drop_session(session);
    gkdc_coap_deferred_drop_session(session);
    gkdc_coap_kept_drop_session(session);
    gkdc_coap_dtls_drop_session(session);
    gkdc_coap_block1_forget_session(session);
    break;
  default:
    break;
  }
  gkdc_client_host_event(session, event);
  return 0;
}

static void nack_handler(coap_session_t *session, const coap_pdu_t *sent,
                         const coap_nack_reason_t reason, const coap_mid_t mid) {
  gkdc_observe_nack(session, sent, reason);
  gkdc_coap_kept_nack(session, sent, reason);
  gkdc_client_host_nack(session, sent, reason);
}

/*
 * Resolves the host of a listen URI (a numeric address or a name in
 * /etc/hosts) into addr with the given port. Returns 1 or 0.
 */
static int resolve(const char *host, uint16_t port, coap_address_t *addr) {
  struct addrinfo hints, *res = NULL;
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  rc = getaddrinfo(host, NULL, &hints, &res);
  if (rc != 0 || res == NULL) {
    GKDC_ERR("listen address %s: %s", host, gai_strerror(rc));
    return 0;
  }
  if (res->ai_addrlen > sizeof(addr->addr)) {
    freeaddrinfo(res);
    return 0;
  }

  coap_address_init(addr);
  memcpy(&addr->addr, res->ai_addr, res->ai_addrlen);
  addr->size = res->ai_addrlen;
  coap_address_set_port(addr, port);
  freeaddrinfo(res);
  return 1;
}

/*
 * Checks the keys of a listen entry: uri, and psk_hint for coaps. Returns 1,
 * or 0 after logging the first unknown key.
 */
static int check_entry_keys(const gkdc_cfg *entry, int secure) {
  size_t i;

  for (i = 0; i < gkdc_cfg_count(entry); i++) {
    const gkdc_cfg *member = gkdc_cfg_elem0(entry, i);
    const char *name = gkdc_cfg_name(member);
    const char *text;

    if (name == NULL || strcmp(name, "uri") == 0)
      continue;
    if (strcmp(name, "psk_hint") == 0 && secure) {
      if (gkdc_cfg_get_string(member, NULL, &text))
        continue;
      GKDC_ERR("config %s: listen psk_hint: expected a string", gkdc_cfg_where(member));
      return 0;
    }
    GKDC_ERR("config %s: listen: unknown setting %s; an entry takes uri, and "
             "psk_hint for coaps", gkdc_cfg_where(member), name);
    return 0;
  }
  return 1;
}

/* Creates one endpoint from a listen URI; `entry` is its config group, or
 * NULL for the default. */
static int add_endpoint(const char *text, const gkdc_cfg *entry, int *dtls_ready) {
  coap_uri_t uri;
  coap_address_t addr;
  char host[256];
  coap_endpoint_t *ep;
  int secure;

  if (endpoint_count == MAX_ENDPOINTS) {
    GKDC_ERR("listen: more than %d endpoints", MAX_ENDPOINTS);
    return 0;
  }
  if (coap_split_uri((const uint8_t *)text, strlen(text), &uri) != 0 ||
      (uri.scheme != COAP_URI_SCHEME_COAP && uri.scheme != COAP_URI_SCHEME_COAPS) ||
      uri.host.length == 0 || uri.host.length >= sizeof(host) || uri.path.length > 0 ||
      uri.query.length > 0) {
    GKDC_ERR("config %s: listen: invalid endpoint \"%s\"; expected coap://HOST:PORT "
             "or coaps://HOST:PORT (IPv6 hosts in brackets)",
             entry != NULL ? gkdc_cfg_where(entry) : "(default)", text);
    return 0;
  }
  memcpy(host, uri.host.s, uri.host.length);
  host[uri.host.length] = '\0';
  secure = uri.scheme == COAP_URI_SCHEME_COAPS;
  if (entry != NULL && !check_entry_keys(entry, secure))
    return 0;

  /* libcoap keeps one PSK setup per context: the first coaps entry sets it. */
  if (secure && !*dtls_ready) {
    if (!gkdc_coap_dtls_setup(ctx, entry))
      return 0;
    *dtls_ready = 1;
  }
  if (!resolve(host, uri.port, &addr)) {
    GKDC_ERR("config %s: listen: cannot use endpoint \"%s\"",
             entry != NULL ? gkdc_cfg_where(entry) : "(default)", text);
    return 0;
  }

  ep = coap_new_endpoint(ctx, &addr, secure ? COAP_PROTO_DTLS : COAP_PROTO_UDP);
  if (ep == NULL) {
    GKDC_ERR("listen: could not bind %s: %s", text, strerror(errno));
    return 0;
  }
  endpoints[endpoint_count].ep = ep;
  endpoints[endpoint_count].secure = secure;
  endpoint_count++;
  return 1;
}

int gkdc_coap_start(const gkdc_cfg *root) {
  const gkdc_cfg *listen = gkdc_cfg_get0(root, "listen");
  size_t i, count = listen != NULL ? gkdc_cfg_count(listen) : 0;
  int dtls_ready = 0;

  if (ctx != NULL) {
    GKDC_ERR("CoAP is already started");
    return 0;
  }

  coap_startup();
  started_libcoap = 1;
  coap_set_log_handler(log_handler);
  coap_set_show_pdu_output(0); /* message dumps go through log_handler too */
  coap_set_log_level(libcoap_level());
  coap_dtls_set_log_level(libcoap_level() < LOG_INFO ? libcoap_level() : LOG_INFO);

  ctx = coap_new_context(NULL);
  if (ctx == NULL) {
    GKDC_ERR("could not create the libcoap context");
    goto fail;
  }
  /* libcoap sends Block2 bodies; Block1 request bodies are put together by
   * the host (coap_block1.c), because libcoap 4.3.1's own Block1 code
   * crashes on a repeated last block and allocates whatever Size1 says. */
  if (!gkdc_coap_block1_hook_active()) {
    GKDC_ERR("libcoap's coap_get_block_b is not interposed by libgkdc; link "
             "libgkdc before libcoap");
    goto fail;
  }
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_register_event_handler(ctx, event_handler);
  coap_register_nack_handler(ctx, nack_handler);
  if (!gkdc_coap_handlers_init(ctx)) {
    GKDC_ERR("could not register the CoAP request handlers");
    goto fail;
  }

  if (listen != NULL && count == 0) {
    GKDC_ERR("config %s: listen must name at least one endpoint",
             gkdc_cfg_where(listen));
    goto fail;
  }
  if (listen == NULL) {
    if (!add_endpoint(DEFAULT_LISTEN, NULL, &dtls_ready))
      goto fail;
  }
  for (i = 0; i < count; i++) {
    const gkdc_cfg *entry = gkdc_cfg_elem0(listen, i);
    const char *text = NULL;

    if (!gkdc_cfg_get_string(entry, "uri", &text)) {
      GKDC_ERR("config %s: listen entry %zu has no uri string",
               gkdc_cfg_where(listen), i);
      goto fail;
    }
    if (!add_endpoint(text, entry, &dtls_ready))
      goto fail;
  }
  return 1;

fail:
  gkdc_coap_stop();
  return 0;
}

int gkdc_coap_run(volatile sig_atomic_t *stop) {
  if (ctx == NULL)
    return 0;

  while (!*stop) {
    uint64_t delay = gkdc_timer_next_delay();
    uint32_t wait = delay == 0 ? COAP_IO_NO_WAIT
                    : delay > MAX_WAIT_MS ? MAX_WAIT_MS : (uint32_t)delay;

    if (coap_io_process(ctx, wait) < 0) {
      if (*stop)
        break;
      GKDC_ERR("CoAP event loop failed: %s", strerror(errno));
      return 0;
    }
    gkdc_timer_run_due();
  }
  return 1;
}

void gkdc_coap_release_exchanges(void) {
  gkdc_observe_release_all();
  gkdc_coap_deferred_release_all();
  gkdc_coap_kept_release_all();
  gkdc_coap_block1_forget_session(NULL);
}

void gkdc_coap_stop(void) {
  gkdc_coap_release_exchanges();
  if (ctx != NULL) {
    coap_free_context(ctx);
    ctx = NULL;
  }
  gkdc_coap_dtls_release_all();
  gkdc_coap_forget_all();
  memset(endpoints, 0, sizeof(endpoints));
  endpoint_count = 0;
  if (started_libcoap) {
    coap_cleanup();
    started_libcoap = 0;
  }
}

/*
 * Formats endpoint i as a URI: coap_endpoint_str() returns "ADDR:PORT PROTO"
 * ("[::1]:5684 DTLS"); the URI is "coaps://[::1]:5684".
 */
static void endpoint_uri(size_t i, char *buf, size_t cap) {
  const char *s = coap_endpoint_str(endpoints[i].ep);
  size_t len = strcspn(s, " ");

  snprintf(buf, cap, "%s://%.*s", endpoints[i].secure ? "coaps" : "coap", (int)len, s);
}

void gkdc_coap_log_endpoints(void) {
  char uri[160];
  size_t i;

  for (i = 0; i < endpoint_count; i++) {
    endpoint_uri(i, uri, sizeof(uri));
    GKDC_INFO("listening on %s", uri);
  }
}

int gkdc_coap_write_endpoints(const char *file) {
  char tmp[4096];
  char uri[160];
  FILE *f;
  size_t i;
  int ok;

  if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp)) {
    GKDC_ERR("endpoints file name too long: %s", file);
    return 0;
  }
  f = fopen(tmp, "w");
  if (f == NULL) {
    GKDC_ERR("could not write %s: %s", tmp, strerror(errno));
    return 0;
  }
  for (i = 0; i < endpoint_count; i++) {
    endpoint_uri(i, uri, sizeof(uri));
    fprintf(f, "%s\n", uri);
  }
  ok = fclose(f) == 0;
  if (ok)
    ok = rename(tmp, file) == 0;
  if (!ok) {
    GKDC_ERR("could not write %s: %s", file, strerror(errno));
    remove(tmp);
  }
  return ok;
}
