/*
 * "test-resource": a plugin for the CoAP integration tests. It registers
 *
 *   test/large     GET: a deterministic text body of `large_size` bytes
 *                  (default 5000), so a client needs Block2 to read it;
 *                  byte i is PATTERN[i % 62]
 *   test/echo      POST, PUT: 2.04 with the request body and Content-Format
 *                  (Block1 uploads arrive whole)
 *   test/deferred  GET: a separate 2.05 "deferred" after 100 ms, through
 *                  host->defer() and host->respond()
 *   test/obs       GET, observable: "obs N", where a timer raises N every
 *                  `obs_interval_ms` (default 300) and calls host->notify()
 *   test/peer      GET, hidden from /.well-known/core: the transport, address
 *                  and DTLS PSK identity of the client
 *
 * With `intercept = true` it registers a stand-in OSCORE interceptor that
 * dispatches requests with an OSCORE option without decrypting them.
 *
 * It also installs a DTLS PSK lookup that accepts identity "gkdc-test" with
 * key "test-psk-0123456", and, when the config names rpk_key_file and
 * rpk_trusted_file, a DTLS raw public key that accepts one client key.
 *
 * It is of kind "as" only because every plugin needs a kind; its operation
 * table is empty.
 *
 *   plugin_config = { test-resource = { large_size = 5000; obs_interval_ms = 300;
 *                                      intercept = true; }; };
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/as.h>
#include <gkdc/coapmsg.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#define PATTERN "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define PATTERN_LEN 62

#define DEFAULT_LARGE_SIZE 5000
#define MAX_LARGE_SIZE (1024 * 1024)
#define DEFAULT_OBS_INTERVAL_MS 300
#define DEFERRED_DELAY_MS 100

/* The DTLS PSK that the test client uses. */
#define TEST_PSK_IDENTITY "gkdc-test"
#define TEST_PSK_KEY "test-psk-0123456"

struct state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  uint8_t *large;
  size_t large_size;
  unsigned long obs_counter;
  uint64_t obs_timer;
  uint8_t *trusted; /* the accepted client key, DER SubjectPublicKeyInfo */
  size_t trusted_len;
  gkdc_exchange_ref *kept; /* the observation through the interceptor */
  unsigned long kept_seq;
};

static int handle_large(void *arg, const struct gkdc_request *req,
                        struct gkdc_response *resp) {
  struct state *st = arg;

  if (!gkdc_response_set(resp, GKDC_CODE(2, 5), 0, st->large, st->large_size))
    resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

static int handle_echo(void *arg, const struct gkdc_request *req,
                       struct gkdc_response *resp) {
  /* application/octet-stream when the request names no format. */
  int32_t cf = req->content_format != GKDC_CF_NONE ? req->content_format : 42;

  if (!gkdc_response_set(resp, GKDC_CODE(2, 4), cf, req->payload, req->payload_len))
    resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

/* A deferred request waiting for its timer. */
struct pending {
  struct state *st;
  gkdc_deferred *handle;
};

static void answer_deferred(void *arg) {
  struct pending *p = arg;
  struct gkdc_response resp;
  static const char body[] = "deferred";

  gkdc_response_init(&resp);
  if (!gkdc_response_set(&resp, GKDC_CODE(2, 5), 0, (const uint8_t *)body,
                         sizeof(body) - 1))
    resp.code = GKDC_CODE(5, 0);
  p->st->host->respond(p->handle, &resp);
  gkdc_response_clear(&resp);
  free(p);
}

static int handle_deferred(void *arg, const struct gkdc_request *req,
                           struct gkdc_response *resp) {
  struct state *st = arg;
  struct pending *p = calloc(1, sizeof(*p));

  if (p == NULL)
    goto fail;
  p->st = st;
  p->handle = st->host->defer(req);
  if (p->handle == NULL)
    goto fail;
  if (st->host->timer_add(st->self, DEFERRED_DELAY_MS, 0, answer_deferred, p) == 0) {
    struct gkdc_response error;

    /* The handle is taken, so the error goes out through it. */
    gkdc_response_init(&error);
    error.code = GKDC_CODE(5, 0);
    st->host->respond(p->handle, &error);
    free(p);
  }
  return GKDC_DEFERRED;

fail:
  free(p);
  resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

static int handle_obs(void *arg, const struct gkdc_request *req,
                      struct gkdc_response *resp) {
  struct state *st = arg;
  char body[32];
  int n = snprintf(body, sizeof(body), "obs %lu", st->obs_counter);

  if (!gkdc_response_set(resp, GKDC_CODE(2, 5), 0, (const uint8_t *)body, (size_t)n))
    resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

static void bump_obs(void *arg) {
  struct state *st = arg;

  st->obs_counter++;
  st->host->notify(st->self, "test/obs");
}

/* Returns 1 for a short identity of printable ASCII (a PSK identity). */
static int is_printable(const struct gkdc_bytes *b) {
  size_t i;

  if (b->len == 0 || b->len > 200)
    return 0;
  for (i = 0; i < b->len; i++) {
    if (b->ptr[i] < 0x20 || b->ptr[i] > 0x7e)
      return 0;
  }
  return 1;
}

/*
 * "udp ADDRESS", "dtls ADDRESS identity=ID" (a PSK identity),
 * "dtls ADDRESS identity=N bytes" (a raw public key) or
 * "oscore ADDRESS kid=N bytes", for checks of the peer.
 */
static int handle_peer(void *arg, const struct gkdc_request *req,
                       struct gkdc_response *resp) {
  const struct gkdc_peer *peer = req->peer;
  char body[512];
  int n;

  if (peer->transport == GKDC_TRANSPORT_DTLS && is_printable(&peer->identity))
    n = snprintf(body, sizeof(body), "dtls %s identity=%.*s", peer->address,
                 (int)peer->identity.len, (const char *)peer->identity.ptr);
  else if (peer->transport == GKDC_TRANSPORT_DTLS)
    n = snprintf(body, sizeof(body), "dtls %s identity=%zu bytes", peer->address,
                 peer->identity.len);
  else if (peer->transport == GKDC_TRANSPORT_OSCORE)
    n = snprintf(body, sizeof(body), "oscore %s kid=%zu bytes", peer->address,
                 peer->identity.len);
  else
    n = snprintf(body, sizeof(body), "%s %s",
                 peer->transport == GKDC_TRANSPORT_UDP ? "udp" : "other", peer->address);
  if (n < 0 || (size_t)n >= sizeof(body) ||
      !gkdc_response_set(resp, GKDC_CODE(2, 5), 0, (const uint8_t *)body, (size_t)n))
    resp->code = GKDC_CODE(5, 0);
  return GKDC_HANDLED;
}

/* Accepts the one PSK identity TEST_PSK_IDENTITY with key TEST_PSK_KEY. */
static int lookup_psk(void *arg, const struct gkdc_bytes *identity,
                      const char *peer_address, uint8_t *key, size_t cap,
                      size_t *key_len) {
  size_t id_len = sizeof(TEST_PSK_IDENTITY) - 1;
  size_t len = sizeof(TEST_PSK_KEY) - 1;

  if (identity->len != id_len || memcmp(identity->ptr, TEST_PSK_IDENTITY, id_len) != 0 ||
      len > cap)
    return 0;
  memcpy(key, TEST_PSK_KEY, len);
  *key_len = len;
  return 1;
}

/* Storage of a reply message built from a gkdc_response. */
struct reply {
  struct gkdc_coap_msg msg;
  uint8_t observe[3];
  uint8_t cf[2];
};

/* Encodes an unsigned option value in the fewest bytes; returns the length. */
static size_t encode_uint(uint8_t *buf, uint32_t value) {
  size_t len = 0;
  int shift;

  for (shift = 16; shift >= 0; shift -= 8) {
    if (len > 0 || (value >> shift) != 0)
      buf[len++] = (uint8_t)(value >> shift);
  }
  return len;
}

/* Builds a reply with the response's code, Observe (when observe >= 0),
 * Content-Format and payload. The views point into `r` and `resp`. */
static void build_reply(struct reply *r, const struct gkdc_response *resp, int64_t observe) {
  struct gkdc_coap_option *o;

  memset(r, 0, sizeof(*r));
  r->msg.code = resp->code;
  if (observe >= 0) {
    o = &r->msg.options[r->msg.option_count++];
    o->number = GKDC_OPT_OBSERVE;
    o->value.ptr = r->observe;
    o->value.len = encode_uint(r->observe, (uint32_t)observe & 0xffffff);
  }
  if (resp->content_format >= 0 && resp->content_format <= 0xffff) {
    o = &r->msg.options[r->msg.option_count++];
    o->number = GKDC_OPT_CONTENT_FORMAT;
    o->value.ptr = r->cf;
    o->value.len = encode_uint(r->cf, (uint32_t)resp->content_format);
  }
  r->msg.payload.ptr = resp->payload;
  r->msg.payload.len = resp->payload_len;
}

/* Fills a request with no path segments yet; `path` receives them. */
static void build_request(struct gkdc_request *req, struct gkdc_bytes *path,
                          uint32_t method, const struct gkdc_peer *peer) {
  memset(req, 0, sizeof(*req));
  req->size = sizeof(*req);
  req->method = method;
  req->path = path;
  req->content_format = GKDC_CF_NONE;
  req->accept = GKDC_CF_NONE;
  req->observe = GKDC_OBSERVE_NONE;
  req->peer = peer;
}

/*
 * A stand-in for an OSCORE profile. It takes the outer Uri-Path as the inner
 * path and the OSCORE option value as the kid, dispatches the request
 * unchanged and replies in plain text. So coap-client can check the
 * interceptor path of the host without any cryptography. A GET of test/obs
 * with Observe: 0 becomes an observation that notify_kept() serves.
 */
static void intercept(void *arg, gkdc_exchange *x, const struct gkdc_coap_msg *msg,
                      const struct gkdc_peer *peer) {
  struct state *st = arg;
  struct gkdc_bytes path[8];
  struct gkdc_request req;
  struct gkdc_peer inner_peer = *peer;
  struct gkdc_response resp;
  struct reply reply;
  int64_t observe = -1;
  size_t i;

  inner_peer.transport = GKDC_TRANSPORT_OSCORE;
  build_request(&req, path, msg->code, &inner_peer);
  req.payload = msg->payload.ptr;
  req.payload_len = msg->payload.len;
  for (i = 0; i < msg->option_count; i++) {
    const struct gkdc_coap_option *o = &msg->options[i];

    if (o->number == GKDC_OPT_URI_PATH && req.path_count < 8)
      path[req.path_count++] = o->value;
    else if (o->number == GKDC_OPT_OSCORE)
      inner_peer.identity = o->value;
    else if (o->number == GKDC_OPT_OBSERVE && o->value.len == 0)
      req.observe = GKDC_OBSERVE_REGISTER;
    else if (o->number == GKDC_OPT_OBSERVE && o->value.len == 1 && o->value.ptr[0] == 1)
      req.observe = GKDC_OBSERVE_DEREGISTER;
  }

  /* One observation at a time, so any cancellation ends it. */
  if (req.observe == GKDC_OBSERVE_DEREGISTER && st->kept != NULL) {
    st->host->exchange_release(st->kept);
    st->kept = NULL;
  }

  gkdc_response_init(&resp);
  st->host->dispatch(&req, &resp);

  /* Keep the exchange of an observation of test/obs (one at a time). */
  if (req.observe == GKDC_OBSERVE_REGISTER && GKDC_CODE_CLASS(resp.code) == 2 &&
      req.path_count == 2 && path[1].len == 3 && memcmp(path[1].ptr, "obs", 3) == 0 &&
      GKDC_HAS_OP(st->host, exchange_keep)) {
    if (st->kept != NULL)
      st->host->exchange_release(st->kept);
    st->kept = st->host->exchange_keep(x);
    st->kept_seq = 1;
    if (st->kept != NULL)
      observe = st->kept_seq;
  }

  build_reply(&reply, &resp, observe);
  if (!st->host->exchange_reply(x, &reply.msg))
    st->host->log(st->self, GKDC_LOG_ERR, "exchange_reply failed");
  gkdc_response_clear(&resp);
}

/* The notify hook: sends the observation kept by intercept() a notification. */
static void notify_kept(void *arg, const char *path) {
  struct state *st = arg;
  static const char text[] = "test/obs";
  struct gkdc_bytes segments[2] = {{(const uint8_t *)text, 4},
                                   {(const uint8_t *)text + 5, 3}};
  struct gkdc_peer peer;
  struct gkdc_request req;
  struct gkdc_response resp;
  struct reply reply;

  if (st->kept == NULL || strcmp(path, text) != 0)
    return;
  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_OSCORE;
  peer.address = "kept";
  build_request(&req, segments, GKDC_GET, &peer);
  req.path_count = 2;

  gkdc_response_init(&resp);
  st->host->dispatch(&req, &resp);
  st->kept_seq++;
  build_reply(&reply, &resp, st->kept_seq);
  if (!st->host->exchange_notify(st->kept, &reply.msg)) {
    st->host->log(st->self, GKDC_LOG_INFO, "kept observation ended after %lu "
                  "notifications", st->kept_seq - 1);
    st->host->exchange_release(st->kept);
    st->kept = NULL;
  }
  gkdc_response_clear(&resp);
}

/* Accepts the one client key whose SubjectPublicKeyInfo is in st->trusted. */
static int check_rpk(void *arg, const struct gkdc_bytes *spki, const char *peer_address) {
  const struct state *st = arg;

  return st->trusted_len > 0 && spki->len == st->trusted_len &&
         memcmp(spki->ptr, st->trusted, st->trusted_len) == 0;
}

/* Reads a whole small file into a new buffer; returns 1 or 0. */
static int read_file(const char *name, uint8_t **data, size_t *len) {
  FILE *f = fopen(name, "rb");
  uint8_t buf[4096];
  size_t n;

  if (f == NULL)
    return 0;
  n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  if (n == 0 || n == sizeof(buf))
    return 0;
  *data = malloc(n);
  if (*data == NULL)
    return 0;
  memcpy(*data, buf, n);
  *len = n;
  return 1;
}

/*
 * Sets the DTLS raw public key when the config names rpk_key_file (a PEM
 * "EC PRIVATE KEY") and rpk_trusted_file (the DER SubjectPublicKeyInfo of
 * the one client key to accept). Returns 1, or 0 when a file is unreadable.
 */
static int setup_rpk(struct state *st, const gkdc_cfg *cfg) {
  const char *key_file, *trusted_file;
  struct gkdc_bytes pem;
  uint8_t *key = NULL;
  size_t key_len = 0;
  int ok;

  if (!gkdc_cfg_get_string(cfg, "rpk_key_file", &key_file) ||
      !gkdc_cfg_get_string(cfg, "rpk_trusted_file", &trusted_file))
    return 1;
  if (!read_file(key_file, &key, &key_len) ||
      !read_file(trusted_file, &st->trusted, &st->trusted_len)) {
    st->host->log(st->self, GKDC_LOG_ERR, "cannot read %s or %s", key_file, trusted_file);
    free(key);
    return 0;
  }
  pem.ptr = key;
  pem.len = key_len;
  ok = GKDC_HAS_OP(st->host, dtls_rpk_set) &&
       st->host->dtls_rpk_set(st->self, &pem, check_rpk, st);
  free(key);
  return ok;
}

static void test_fini(void *state) {
  struct state *st = state;

  if (st == NULL)
    return;
  st->host->log(st->self, GKDC_LOG_INFO, "fini: %lu observe updates", st->obs_counter);
  if (st->kept != NULL)
    st->host->exchange_release(st->kept);
  free(st->large);
  free(st->trusted);
  free(st);
}

static int test_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                     void **state_out) {
  const gkdc_cfg *cfg = host->config_get0(self);
  int64_t large_size = DEFAULT_LARGE_SIZE;
  int64_t interval = DEFAULT_OBS_INTERVAL_MS;
  int with_interceptor = 0;
  struct state *st;
  size_t i;

  gkdc_cfg_get_int(cfg, "large_size", &large_size);
  gkdc_cfg_get_int(cfg, "obs_interval_ms", &interval);
  gkdc_cfg_get_bool(cfg, "intercept", &with_interceptor);
  if (large_size < 1 || large_size > MAX_LARGE_SIZE || interval < 1) {
    host->log(self, GKDC_LOG_ERR, "large_size must be 1..%d and obs_interval_ms > 0",
              MAX_LARGE_SIZE);
    return 0;
  }

  st = calloc(1, sizeof(*st));
  if (st == NULL)
    return 0;
  st->self = self;
  st->host = host;
  st->large_size = (size_t)large_size;
  st->large = malloc(st->large_size);
  if (st->large == NULL)
    goto fail;
  for (i = 0; i < st->large_size; i++)
    st->large[i] = (uint8_t)PATTERN[i % PATTERN_LEN];

  {
    const struct gkdc_route routes[] = {
        {sizeof(struct gkdc_route), "test/large", GKDC_METHOD_BIT(GKDC_GET), 0,
         "rt=\"test.large\";ct=0", handle_large, st},
        {sizeof(struct gkdc_route), "test/echo",
         GKDC_METHOD_BIT(GKDC_POST) | GKDC_METHOD_BIT(GKDC_PUT), 0, "rt=\"test.echo\"",
         handle_echo, st},
        {sizeof(struct gkdc_route), "test/deferred", GKDC_METHOD_BIT(GKDC_GET), 0,
         "rt=\"test.deferred\";ct=0", handle_deferred, st},
        {sizeof(struct gkdc_route), "test/obs", GKDC_METHOD_BIT(GKDC_GET),
         GKDC_ROUTE_OBSERVABLE, "rt=\"test.obs\";obs;ct=0", handle_obs, st},
        {sizeof(struct gkdc_route), "test/peer", GKDC_METHOD_BIT(GKDC_GET),
         GKDC_ROUTE_HIDDEN, NULL, handle_peer, st},
    };

    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
      if (!host->route_add(self, &routes[i]))
        goto fail;
    }
  }

  st->obs_timer = host->timer_add(self, (uint64_t)interval, 1, bump_obs, st);
  if (st->obs_timer == 0)
    goto fail;

  /* The host has no way to unregister these two, so they come last. */
  if (with_interceptor && (!host->intercept_add(self, intercept, st) ||
                           !host->notify_hook_add(self, notify_kept, st)))
    goto fail;

  /* A host without DTLS rejects the lookup; the plain tests still run. */
  if (GKDC_HAS_OP(host, dtls_psk_set))
    host->dtls_psk_set(self, lookup_psk, st);
  if (!setup_rpk(st, cfg))
    host->log(self, GKDC_LOG_WARNING, "no DTLS raw public key set");
  *state_out = st;
  return 1;

fail:
  /* Leave nothing behind that points into the freed state. */
  host->route_remove(self, "test/large");
  host->route_remove(self, "test/echo");
  host->route_remove(self, "test/deferred");
  host->route_remove(self, "test/obs");
  host->route_remove(self, "test/peer");
  host->timer_cancel(st->obs_timer);
  free(st->large);
  free(st);
  return 0;
}

/* The plugin has no AS operations; the table only carries its size. */
static const struct gkdc_as_ops no_ops = {
    .size = sizeof(uint32_t),
};

static const struct gkdc_plugin_desc test_resource_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_AS,
    .name = "test-resource",
    .version = "1",
    .description = "CoAP test resources: block-wise, deferred and observable",
    .init = test_init,
    .fini = test_fini,
    .ops = &no_ops,
};

GKDC_PLUGIN_DEFINE(test_resource_desc)
