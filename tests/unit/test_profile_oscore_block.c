/*
 * Tests of outer Block2 for OSCORE replies (RFC 8613 section 4.1.3.4.2,
 * RFC 7959) in the host's interceptor exchange. A child process runs the
 * host's CoAP glue on 127.0.0.1 with an interceptor of this file. It replies
 * to each request with a body of the size that the request payload names.
 * The body depends on the number of the interceptor call, so a test can
 * tell whether a block came from the kept reply or from a new call. The
 * parent sends CoAP over a raw UDP socket.
 *
 * Covered: a reply that fits goes out whole. A large one goes out as block
 * 0 with Size2, and the later blocks, requested with the same OSCORE
 * option, come from the kept message without a new interceptor call. Also:
 * a retransmitted block request, a smaller block size requested later or
 * first, a block past the end, a different OSCORE option or request code
 * (which reaches the interceptor), the bound on kept replies, and a large
 * notification.
 */
#include <config.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "coap_glue.h"
#include "gkdc-test.h"
#include "internal.h"

#define OPT_OSCORE 9
#define OPT_BLOCK2 23
#define OPT_SIZE2 28
#define CODE_POST 2
#define CODE_FETCH 5
#define LARGE 5000
/* Bound on kept replies in coap_intercept.c. */
#define KEPT_MAX 32

static pid_t server_pid;
static uint16_t server_port;
static int sock = -1;
static uint16_t next_mid = 0x1000;
static char work_dir[] = "/tmp/gkdc-oscore-block.XXXXXX";
static volatile sig_atomic_t child_stop;
static unsigned interceptor_calls;

static void on_term(int signo) {
  child_stop = signo;
}

/* Byte i of the body of interceptor call `call`. */
static uint8_t body_byte(unsigned call, size_t i) {
  return (uint8_t)('a' + (i * 7 + call) % 26);
}

/* Sends the kept observation a notification with a body of LARGE bytes. */
static void notify_large(void *arg) {
  static uint8_t body[LARGE];
  static const uint8_t observe[] = {2};
  struct gkdc_coap_msg note;
  size_t i;

  interceptor_calls++;
  for (i = 0; i < LARGE; i++)
    body[i] = body_byte(interceptor_calls, i);
  memset(&note, 0, sizeof(note));
  note.code = GKDC_CODE(2, 5);
  note.options[0].number = GKDC_OPT_OBSERVE;
  note.options[0].value.ptr = observe;
  note.options[0].value.len = sizeof(observe);
  note.options[1].number = OPT_OSCORE;
  note.option_count = 2;
  note.payload.ptr = body;
  note.payload.len = LARGE;
  if (!gkdc_coap_exchange_notify(arg, &note))
    fprintf(stderr, "the test host could not send a notification\n");
}

/* The interceptor: replies 2.04 with an empty OSCORE option and a body of
 * the size in the first two bytes of the request payload. A third byte 'O'
 * keeps the exchange and sends it one large notification 200 ms later. */
static void intercept(void *arg, gkdc_exchange *x, const struct gkdc_coap_msg *msg,
                      const struct gkdc_peer *peer) {
  static uint8_t body[65536];
  struct gkdc_coap_msg reply;
  size_t size = 0, i;

  (void)arg;
  (void)peer;
  interceptor_calls++;
  if (msg->payload.len >= 2)
    size = ((size_t)msg->payload.ptr[0] << 8) | msg->payload.ptr[1];
  for (i = 0; i < size; i++)
    body[i] = body_byte(interceptor_calls, i);
  if (msg->payload.len >= 3 && msg->payload.ptr[2] == 'O') {
    gkdc_exchange_ref *ref = gkdc_coap_exchange_keep(x);

    if (ref == NULL || gkdc_timer_add(NULL, 200, 0, notify_large, ref) == 0)
      fprintf(stderr, "the test host could not keep an observation\n");
  }

  memset(&reply, 0, sizeof(reply));
  reply.code = GKDC_CODE(2, 4);
  reply.options[0].number = OPT_OSCORE;
  reply.option_count = 1;
  reply.payload.ptr = body;
  reply.payload.len = size;
  gkdc_coap_exchange_reply(x, &reply);
}

/* The child: the host's CoAP glue with the interceptor until SIGTERM. */
static void run_server(const char *endpoints_file) {
  char config[512];
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);

  snprintf(config, sizeof(config),
           "log = { level = \"warning\"; sink = \"stderr\"; };\n"
           "plugins = ( );\n"
           "state_dir = \"%s\";\n"
           "listen = ( { uri = \"coap://127.0.0.1:0\"; } );\n",
           work_dir);
  gkdc_log_open("stderr", GKDC_LOG_WARNING);
  if (!gkdc_config_load_string(config) || !gkdc_coap_intercept_add(NULL, intercept, NULL) ||
      !gkdc_coap_start(gkdc_config_root()) || !gkdc_coap_write_endpoints(endpoints_file))
    _exit(3);
  gkdc_coap_run(&child_stop);
  gkdc_coap_release_exchanges();
  gkdc_coap_stop();
  gkdc_coap_forget_all();
  gkdc_config_free();
  _exit(0);
}

static int suite_init(void) {
  char endpoints[256], line[128];
  struct sockaddr_in addr;
  struct timeval tv = {2, 0};
  FILE *f = NULL;
  const char *colon;
  int i;

  if (mkdtemp(work_dir) == NULL)
    return -1;
  snprintf(endpoints, sizeof(endpoints), "%s/endpoints", work_dir);
  server_pid = fork();
  if (server_pid < 0)
    return -1;
  if (server_pid == 0)
    run_server(endpoints);

  for (i = 0; i < 100 && f == NULL; i++) {
    usleep(100 * 1000);
    f = fopen(endpoints, "r");
  }
  if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
    fprintf(stderr, "the test host wrote no endpoints file\n");
    if (f != NULL)
      fclose(f);
    return -1;
  }
  fclose(f);
  colon = strrchr(line, ':');
  if (strncmp(line, "coap://", 7) != 0 || colon == NULL)
    return -1;
  server_port = (uint16_t)atoi(colon + 1);

  sock = socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0)
    return -1;
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(sock, (struct sockaddr *)&addr, sizeof(addr)) == 0 ? 0 : -1;
}

static int suite_clean(void) {
  int status = 0;
  char cmd[300];

  if (sock >= 0)
    close(sock);
  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    waitpid(server_pid, &status, 0);
  }
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work_dir);
  if (system(cmd) != 0)
    return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- a minimal CoAP codec ---- */

struct request {
  uint8_t code;
  const uint8_t *oscore;
  size_t oscore_len;
  int has_block2;
  uint32_t block2; /* NUM << 4 | SZX */
  uint16_t body_size; /* size of the body that the interceptor sends */
  int observe;        /* 1: the interceptor sends a notification later */
  uint16_t mid;       /* 0: the next one */
};

struct response {
  uint8_t type;
  uint8_t code;
  uint16_t mid;
  int has_observe;
  int has_block2;
  uint32_t num;
  unsigned more, szx;
  long size2;
  uint8_t payload[2048];
  size_t payload_len;
  uint8_t raw[2048];
  size_t raw_len;
};

/* Appends an option of number `number` after `last`. */
static size_t put_option(uint8_t *p, uint16_t *last, uint16_t number, const uint8_t *v,
                         size_t len) {
  size_t at = 1;
  unsigned delta = number - *last;

  /* Deltas and lengths below 269 suffice here. */
  p[0] = 0;
  if (delta < 13) {
    p[0] |= (uint8_t)(delta << 4);
  } else {
    p[0] |= 13 << 4;
    p[at++] = (uint8_t)(delta - 13);
  }
  if (len < 13) {
    p[0] |= (uint8_t)len;
  } else {
    p[0] |= 13;
    p[at++] = (uint8_t)(len - 13);
  }
  memcpy(p + at, v, len);
  *last = number;
  return at + len;
}

static size_t put_uint(uint8_t *v, uint32_t value) {
  size_t n = 0;

  if (value > 0xffff)
    v[n++] = (uint8_t)(value >> 16);
  if (value > 0xff)
    v[n++] = (uint8_t)(value >> 8);
  if (value > 0)
    v[n++] = (uint8_t)value;
  return n;
}

static uint32_t get_uint(const uint8_t *v, size_t len) {
  uint32_t value = 0;
  size_t i;

  for (i = 0; i < len; i++)
    value = (value << 8) | v[i];
  return value;
}

/* Parses a datagram; returns 1 when it is a well-formed CoAP message. */
static int parse(const uint8_t *d, size_t n, struct response *r) {
  size_t at, tkl;
  unsigned number = 0;

  if (n < 4 || (d[0] >> 6) != 1)
    return 0;
  tkl = d[0] & 0x0f;
  r->type = (d[0] >> 4) & 3;
  r->code = d[1];
  r->mid = (uint16_t)((d[2] << 8) | d[3]);
  at = 4 + tkl;
  while (at < n && d[at] != 0xff) {
    unsigned delta = d[at] >> 4, len = d[at] & 0x0f;

    at++;
    if (delta == 13)
      delta = 13 + d[at++];
    else if (delta == 14)
      delta = 269 + ((d[at] << 8) | d[at + 1]), at += 2;
    if (len == 13)
      len = 13 + d[at++];
    else if (len == 14)
      len = 269 + ((d[at] << 8) | d[at + 1]), at += 2;
    if (delta == 15 || len == 15 || at + len > n)
      return 0;
    number += delta;
    if (number == GKDC_OPT_OBSERVE)
      r->has_observe = 1;
    if (number == OPT_BLOCK2) {
      uint32_t v = get_uint(d + at, len);

      r->has_block2 = 1;
      r->num = v >> 4;
      r->more = (v >> 3) & 1;
      r->szx = v & 7;
    } else if (number == OPT_SIZE2) {
      r->size2 = (long)get_uint(d + at, len);
    }
    at += len;
  }
  if (at < n) {
    at++;
    if (n - at > sizeof(r->payload))
      return 0;
    memcpy(r->payload, d + at, n - at);
    r->payload_len = n - at;
  }
  return 1;
}

/* Sends `req` as a CON with a one-byte token and reads the piggybacked
 * response. Returns 1 when one came. */
static int exchange(const struct request *req, struct response *r) {
  uint8_t d[512], v[4];
  size_t n = 0;
  uint16_t last = 0, mid = req->mid != 0 ? req->mid : next_mid++;
  ssize_t got;

  memset(r, 0, sizeof(*r));
  r->size2 = -1;
  d[n++] = 0x41; /* version 1, CON, token length 1 */
  d[n++] = req->code;
  d[n++] = (uint8_t)(mid >> 8);
  d[n++] = (uint8_t)mid;
  d[n++] = (uint8_t)mid;
  n += put_option(d + n, &last, OPT_OSCORE, req->oscore, req->oscore_len);
  if (req->has_block2)
    n += put_option(d + n, &last, OPT_BLOCK2, v, put_uint(v, req->block2));
  d[n++] = 0xff;
  d[n++] = (uint8_t)(req->body_size >> 8);
  d[n++] = (uint8_t)req->body_size;
  if (req->observe)
    d[n++] = 'O';
  if (send(sock, d, n, 0) != (ssize_t)n)
    return 0;

  do {
    got = recv(sock, r->raw, sizeof(r->raw), 0);
    if (got <= 0)
      return 0;
    r->raw_len = (size_t)got;
    if (!parse(r->raw, r->raw_len, r))
      return 0;
  } while (r->mid != mid); /* a late response to an earlier test */
  return 1;
}

/* Receives the next datagram, and acknowledges it when it is a CON.
 * Returns 1 when a CoAP message came. */
static int receive_message(struct response *r) {
  uint8_t ack[4];
  ssize_t got;

  memset(r, 0, sizeof(*r));
  r->size2 = -1;
  got = recv(sock, r->raw, sizeof(r->raw), 0);
  if (got <= 0 || !parse(r->raw, (size_t)got, r))
    return 0;
  r->raw_len = (size_t)got;
  if (r->type == 0) {
    ack[0] = 0x60; /* version 1, ACK, no token */
    ack[1] = 0;
    ack[2] = (uint8_t)(r->mid >> 8);
    ack[3] = (uint8_t)r->mid;
    if (send(sock, ack, sizeof(ack), 0) != (ssize_t)sizeof(ack))
      return 0;
  }
  return 1;
}

/* 1 when `r` contains bytes [offset, offset + len) of call `call`'s body. */
static int contains_body(const struct response *r, unsigned call, size_t offset, size_t len) {
  size_t i;

  if (r->payload_len != len)
    return 0;
  for (i = 0; i < len; i++) {
    if (r->payload[i] != body_byte(call, offset + i))
      return 0;
  }
  return 1;
}

/* The interceptor call whose body `r` starts at `offset`, or 0. */
static unsigned call_of(const struct response *r, size_t offset) {
  unsigned call;

  for (call = 1; call < 1000; call++) {
    if (contains_body(r, call, offset, r->payload_len))
      return call;
  }
  return 0;
}

static struct request post(const uint8_t *oscore, size_t oscore_len, uint16_t size) {
  struct request req;

  memset(&req, 0, sizeof(req));
  req.code = CODE_POST;
  req.oscore = oscore;
  req.oscore_len = oscore_len;
  req.body_size = size;
  return req;
}

static struct request with_block2(struct request req, uint32_t num, unsigned szx) {
  req.has_block2 = 1;
  req.block2 = num << 4 | szx;
  return req;
}

/* ---- tests ---- */

static void test_small_reply_whole(void) {
  static const uint8_t oscore[] = {0x09, 0x01, 0x01};
  struct response r;

  struct request req = post(oscore, sizeof(oscore), 100);

  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT_FALSE(r.has_block2);
  CU_ASSERT_EQUAL(r.size2, -1);
  CU_ASSERT_NOT_EQUAL(call_of(&r, 0), 0);
  CU_ASSERT_EQUAL(r.payload_len, 100);
}

static void test_large_reply_in_blocks(void) {
  static const uint8_t oscore[] = {0x09, 0x02, 0x01};
  struct request req = post(oscore, sizeof(oscore), LARGE);
  struct response r, again;
  size_t offset = 0;
  unsigned call, num;

  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT_TRUE(r.has_block2);
  CU_ASSERT_EQUAL(r.num, 0);
  CU_ASSERT_EQUAL(r.more, 1);
  CU_ASSERT_EQUAL(r.szx, 6);
  CU_ASSERT_EQUAL(r.size2, LARGE);
  CU_ASSERT_EQUAL_FATAL(r.payload_len, 1024);
  call = call_of(&r, 0);
  CU_ASSERT_NOT_EQUAL_FATAL(call, 0);
  offset = r.payload_len;

  /* Blocks 1..4 repeat the request; the host sends them from the kept message. */
  for (num = 1; num <= 4; num++) {
    req = with_block2(post(oscore, sizeof(oscore), LARGE), num, 6);
    CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
    CU_ASSERT_EQUAL(r.num, num);
    CU_ASSERT_EQUAL(r.more, num < 4);
    CU_ASSERT_TRUE(contains_body(&r, call, offset, num < 4 ? 1024 : LARGE - 4096));
    offset += r.payload_len;
  }
  CU_ASSERT_EQUAL(offset, LARGE);

  /* A CON retransmission (same message ID) gets the same block. */
  req = with_block2(post(oscore, sizeof(oscore), LARGE), 2, 6);
  req.mid = 0x0777;
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_TRUE_FATAL(exchange(&req, &again));
  CU_ASSERT_EQUAL(r.raw_len, again.raw_len);
  CU_ASSERT_TRUE(r.raw_len == again.raw_len && memcmp(r.raw, again.raw, r.raw_len) == 0);
  CU_ASSERT_TRUE(contains_body(&again, call, 2048, 1024));

  /* A smaller block size: block 3 of 256 bytes starts at 768. */
  req = with_block2(post(oscore, sizeof(oscore), LARGE), 3, 4);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.num, 3);
  CU_ASSERT_EQUAL(r.szx, 4);
  CU_ASSERT_EQUAL(r.more, 1);
  CU_ASSERT_TRUE(contains_body(&r, call, 768, 256));

  /* Past the end: 4.00. */
  req = with_block2(post(oscore, sizeof(oscore), LARGE), 5, 6);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(r.payload_len, 0);
}

static void test_other_requests_reach_interceptor(void) {
  static const uint8_t first[] = {0x09, 0x03, 0x01};
  static const uint8_t other[] = {0x09, 0x04, 0x01};
  struct request req = post(first, sizeof(first), LARGE);
  struct response r;
  unsigned call, call2;

  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  call = call_of(&r, 0);
  CU_ASSERT_NOT_EQUAL_FATAL(call, 0);

  /* Another OSCORE option: a new request, so a new interceptor call whose
   * block 1 is sent. */
  req = with_block2(post(other, sizeof(other), LARGE), 1, 6);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.num, 1);
  call2 = call_of(&r, 1024);
  CU_ASSERT_NOT_EQUAL(call2, 0);
  CU_ASSERT_NOT_EQUAL(call2, call);

  /* The same option with another code (FETCH) is another request too. */
  req = with_block2(post(first, sizeof(first), LARGE), 1, 6);
  req.code = CODE_FETCH;
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_NOT_EQUAL(call_of(&r, 1024), call);

  /* The first request's later block still comes from its kept reply. */
  req = with_block2(post(first, sizeof(first), LARGE), 1, 6);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_TRUE(contains_body(&r, call, 1024, 1024));
}

static void test_small_first_block(void) {
  static const uint8_t oscore[] = {0x09, 0x05, 0x01};
  struct request req = with_block2(post(oscore, sizeof(oscore), 300), 0, 2);
  struct response r;
  unsigned call;

  /* A first request for 64-byte blocks gets them, even for a
   * body that would fit in one message. */
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_TRUE(r.has_block2);
  CU_ASSERT_EQUAL(r.num, 0);
  CU_ASSERT_EQUAL(r.szx, 2);
  CU_ASSERT_EQUAL(r.more, 1);
  CU_ASSERT_EQUAL(r.size2, 300);
  call = call_of(&r, 0);
  CU_ASSERT_NOT_EQUAL_FATAL(call, 0);
  CU_ASSERT_EQUAL(r.payload_len, 64);

  req = with_block2(post(oscore, sizeof(oscore), 300), 4, 2);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.more, 0);
  CU_ASSERT_TRUE(contains_body(&r, call, 256, 44));
}

static void test_kept_bound(void) {
  uint8_t oscore[KEPT_MAX + 1][3];
  struct request req;
  struct response r;
  unsigned first_call = 0, i;

  /* KEPT_MAX + 1 large replies: the oldest is dropped, so its block 1
   * needs a new interceptor call; the newest is still kept. */
  for (i = 0; i <= KEPT_MAX; i++) {
    oscore[i][0] = 0x09;
    oscore[i][1] = 0x10;
    oscore[i][2] = (uint8_t)i;
    req = post(oscore[i], 3, 2000);
    CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
    CU_ASSERT_EQUAL(r.more, 1);
    if (i == 0)
      first_call = call_of(&r, 0);
  }
  req = with_block2(post(oscore[0], 3, 2000), 1, 6);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_FALSE(contains_body(&r, first_call, 1024, 2000 - 1024));
  CU_ASSERT_NOT_EQUAL(call_of(&r, 1024), 0);

  req = post(oscore[KEPT_MAX], 3, 2000);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  first_call = call_of(&r, 0);
  req = with_block2(post(oscore[KEPT_MAX], 3, 2000), 1, 6);
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_TRUE(contains_body(&r, first_call, 1024, 2000 - 1024));
}

static void test_large_notification(void) {
  static const uint8_t oscore[] = {0x09, 0x20, 0x01};
  struct request req = post(oscore, sizeof(oscore), 100);
  struct response r;
  unsigned call;

  /* A FETCH that registers: the reply fits, the notification does not. */
  req.code = CODE_FETCH;
  req.observe = 1;
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT_FALSE(r.has_block2);

  CU_ASSERT_TRUE_FATAL(receive_message(&r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT_TRUE(r.has_block2);
  CU_ASSERT_EQUAL(r.num, 0);
  CU_ASSERT_EQUAL(r.more, 1);
  CU_ASSERT_EQUAL(r.size2, LARGE);
  CU_ASSERT_TRUE(r.has_observe);
  call = call_of(&r, 0);
  CU_ASSERT_NOT_EQUAL_FATAL(call, 0);

  /* Block 1: the registering request again, with Block2 and no Observe,
   * gets a response without Observe. */
  req = with_block2(post(oscore, sizeof(oscore), 100), 1, 6);
  req.code = CODE_FETCH;
  CU_ASSERT_TRUE_FATAL(exchange(&req, &r));
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(r.num, 1);
  CU_ASSERT_FALSE(r.has_observe);
  CU_ASSERT_TRUE(contains_body(&r, call, 1024, 1024));
}

int main(void) {
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("outer Block2 of interceptor replies", suite_init, suite_clean);
  if (suite == NULL ||
      CU_add_test(suite, "a reply that fits goes whole", test_small_reply_whole) == NULL ||
      CU_add_test(suite, "a large reply in blocks", test_large_reply_in_blocks) == NULL ||
      CU_add_test(suite, "other requests reach the interceptor",
                  test_other_requests_reach_interceptor) == NULL ||
      CU_add_test(suite, "small blocks asked for first", test_small_first_block) == NULL ||
      CU_add_test(suite, "bound on kept replies", test_kept_bound) == NULL ||
      CU_add_test(suite, "large notification in blocks", test_large_notification) == NULL) {
    CU_cleanup_registry();
    return 1;
  }
  return gkdc_test_run();
}
