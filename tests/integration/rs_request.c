/*
 * A raw UDP resource server that sends OSCORE-protected requests to a
 * joining node, run by rs_request.sh against a real `gkdc join --listen`:
 *
 *   rs_request WORKDIR
 *
 * 1. Writes WORKDIR/tok, Access Information with a fresh OSCORE Master
 *    Secret (the token itself is opaque to the client), and WORKDIR/rs.port,
 *    the port of its socket on 127.0.0.1.
 * 2. Responds to the client's POST /authz-info with 2.01 {nonce2,
 *    ace_server_recipientid} and derives the server's side of the OSCORE context
 *    (RFC 9203 section 4.3).
 * 3. Waits for WORKDIR/ready, which the script creates once the client
 *    says that it serves protected requests, because a request that
 *    arrives before the client has its context gets 4.01. Then reads the
 *    client's endpoint from WORKDIR/join.endpoints and sends it protected
 *    requests: a GET of /.well-known/core must get a protected
 *    2.05 that verifies, the same request again under a new message ID a
 *    4.01, and a request under an unknown kid a 4.01.
 *
 * Prints one line per check and exits 1 when any failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gkdc/cbor.h>

#include "oscore.h"
#include "oscore_crypto_fixture.h"

#define WAIT_MS 10000
#define PATH_CAP 512

static const struct gkdc_crypto *cx;
static int sock = -1;
static int failures;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  fflush(stdout);
  if (!ok)
    failures++;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len) {
  char path[PATH_CAP], tmp[PATH_CAP];
  FILE *f;
  int ok;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
  f = fopen(tmp, "wb");
  if (f == NULL)
    return 0;
  ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  return ok && chmod(tmp, 0600) == 0 && rename(tmp, path) == 0;
}

/* Writes the Access Information {1: token, 2: 3600, 8: {4: {0: id, 2: ms}}}. */
static int write_access_info(const char *dir, const uint8_t *ms, size_t ms_len) {
  uint8_t token[16], buf[128];
  struct gkdc_cbor_enc e;
  size_t len = 0;

  if (!gkdc_crypto_random(cx, token, sizeof(token)))
    return 0;
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, token, sizeof(token));
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 3600);
  gkdc_cbor_enc_put_uint(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, ms_len);
  return gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK && write_file(dir, "tok", buf, len);
}

/* Waits up to WAIT_MS for a datagram; fills `from` when not NULL. */
static size_t receive(uint8_t *in, size_t cap, struct sockaddr_in *from) {
  socklen_t from_len = sizeof(*from);
  ssize_t n = recvfrom(sock, in, cap, 0, (struct sockaddr *)from, from != NULL ? &from_len : NULL);

  return n > 0 ? (size_t)n : 0;
}

/* Sends `msg` to `to` and waits for the response. */
static size_t exchange(const struct gkdc_coap_msg *msg, const struct sockaddr_in *to,
                       uint8_t *in, size_t cap) {
  uint8_t wire[1200];
  size_t wire_len;

  if (!gkdc_oscore_msg_encode(msg, wire, sizeof(wire), &wire_len) ||
      sendto(sock, wire, wire_len, 0, (const struct sockaddr *)to, sizeof(*to)) !=
          (ssize_t)wire_len)
    return 0;
  return receive(in, cap, NULL);
}

/*
 * Responds to the client's token upload and derives the server's context.
 * Returns NULL after a failed check.
 */
static struct gkdc_oscore_ctx *serve_upload(const uint8_t *ms, size_t ms_len) {
  static const uint8_t nonce2[8] = {0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98};
  static const uint8_t id2[1] = {0x52};
  uint8_t in[1500], payload[64], wire[256], cf = GKDC_CF_ACE_CBOR;
  struct gkdc_bytes n1, id1, bn2 = {nonce2, sizeof(nonce2)}, bid2 = {id2, sizeof(id2)};
  struct gkdc_oscore_input_material m;
  struct gkdc_coap_msg post, ack;
  struct gkdc_cbor_dec d, v;
  struct gkdc_cbor_enc e;
  struct sockaddr_in from;
  size_t n, payload_len = 0, wire_len;

  n = receive(in, sizeof(in), &from);
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &post) && post.code == GKDC_POST &&
            post.type == GKDC_COAP_CON,
        "the client posts its token upload");
  if (failures > 0)
    return NULL;
  if (gkdc_cbor_dec_init(&d, post.payload.ptr, post.payload.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, 40, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &n1) || !gkdc_cbor_dec_map_find_int(&d, 43, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &id1)) {
    check(0, "the upload carries nonce1 and ace_client_recipientid");
    return NULL;
  }

  gkdc_cbor_enc_init(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 42);
  gkdc_cbor_enc_put_bstr(&e, nonce2, sizeof(nonce2));
  gkdc_cbor_enc_put_uint(&e, 44);
  gkdc_cbor_enc_put_bstr(&e, id2, sizeof(id2));
  if (gkdc_cbor_enc_finish(&e, &payload_len) != GKDC_CBOR_OK)
    return NULL;
  memset(&ack, 0, sizeof(ack));
  ack.type = GKDC_COAP_ACK;
  ack.code = GKDC_CODE(2, 1);
  ack.mid = post.mid;
  ack.token_len = post.token_len;
  memcpy(ack.token, post.token, post.token_len);
  ack.options[0] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  ack.option_count = 1;
  ack.payload.ptr = payload;
  ack.payload.len = payload_len;
  if (!gkdc_oscore_msg_encode(&ack, wire, sizeof(wire), &wire_len) ||
      sendto(sock, wire, wire_len, 0, (struct sockaddr *)&from, sizeof(from)) !=
          (ssize_t)wire_len) {
    check(0, "send the 2.01");
    return NULL;
  }

  memset(&m, 0, sizeof(m));
  m.has_id = m.has_ms = 1;
  m.ms.ptr = ms;
  m.ms.len = ms_len;
  m.aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m.hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;
  return gkdc_oscore_ace_derive(cx, &m, n1, bn2, id1, bid2, GKDC_OSCORE_ACE_SERVER);
}

/* Waits up to WAIT_MS for the file WORKDIR/ready. */
static int wait_ready(const char *dir) {
  char path[PATH_CAP];
  int waited;

  snprintf(path, sizeof(path), "%s/ready", dir);
  for (waited = 0; waited < WAIT_MS; waited += 100) {
    if (access(path, F_OK) == 0)
      return 1;
    usleep(100 * 1000);
  }
  return 0;
}

/* Reads coap://127.0.0.1:PORT from the first line of WORKDIR/join.endpoints. */
static int client_endpoint(const char *dir, struct sockaddr_in *to) {
  char path[PATH_CAP], line[128];
  unsigned port = 0;
  int waited;
  FILE *f = NULL;

  snprintf(path, sizeof(path), "%s/join.endpoints", dir);
  for (waited = 0; waited < WAIT_MS; waited += 100) {
    f = fopen(path, "r");
    if (f != NULL && fgets(line, sizeof(line), f) != NULL)
      break;
    if (f != NULL)
      fclose(f);
    f = NULL;
    usleep(100 * 1000);
  }
  if (f == NULL)
    return 0;
  fclose(f);
  if (sscanf(line, "coap://127.0.0.1:%u", &port) != 1 || port == 0 || port > 65535)
    return 0;
  memset(to, 0, sizeof(*to));
  to->sin_family = AF_INET;
  to->sin_port = htons((uint16_t)port);
  to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return 1;
}

static void protected_checks(struct gkdc_oscore_ctx *server, const struct sockaddr_in *to) {
  uint8_t in[1500], buf[1200], inner_buf[1500], secret[16] = {7}, kid = 0x42;
  struct gkdc_coap_msg get, prot, resp, inner;
  struct gkdc_oscore_request sreq;
  struct gkdc_oscore_ctx *stranger;
  struct gkdc_oscore_params p;
  size_t n;

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 0x7001;
  get.token_len = 2;
  get.token[0] = 0x70;
  get.token[1] = 0x01;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                             {(const uint8_t *)".well-known", 11}};
  get.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"core", 4}};
  get.option_count = 2;
  if (gkdc_oscore_protect_request(server, &get, 0, &prot, buf, sizeof(buf), &sreq) !=
      GKDC_OSCORE_OK) {
    check(0, "protect GET /.well-known/core");
    return;
  }
  n = exchange(&prot, to, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_response_classify(&resp) == GKDC_OSCORE_RESPONSE_PROTECTED,
        "the client responds to the RS's request protected");
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_unprotect_response(server, &resp, &inner, inner_buf,
                                           sizeof(inner_buf), &sreq) == GKDC_OSCORE_OK &&
            inner.code == GKDC_CODE(2, 5),
        "the response verifies with the RS's context and is 2.05");

  /* The same OSCORE request under a new message ID is a replay. */
  prot.mid = 0x7002;
  n = exchange(&prot, to, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1),
        "a replayed request gets 4.01");

  /* A kid that the client does not know. */
  memset(&p, 0, sizeof(p));
  p.master_secret.ptr = secret;
  p.master_secret.len = sizeof(secret);
  p.sender_id.ptr = &kid;
  p.sender_id.len = 1;
  p.recipient_id.ptr = secret;
  p.recipient_id.len = 0;
  stranger = gkdc_oscore_ctx_new(cx, &p);
  get.mid = 0x7003;
  if (stranger == NULL ||
      gkdc_oscore_protect_request(stranger, &get, 0, &prot, buf, sizeof(buf), &sreq) !=
          GKDC_OSCORE_OK) {
    check(0, "protect a request with an unknown kid");
  } else {
    n = exchange(&prot, to, in, sizeof(in));
    check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1) &&
              gkdc_oscore_response_classify(&resp) != GKDC_OSCORE_RESPONSE_PROTECTED,
          "a request under an unknown kid gets an unprotected 4.01");
  }
  gkdc_oscore_ctx_free(stranger);
}

int main(int argc, char **argv) {
  struct timeval tv = {WAIT_MS / 1000, 0};
  struct sockaddr_in addr, to;
  socklen_t addr_len = sizeof(addr);
  struct gkdc_oscore_ctx *server = NULL;
  uint8_t ms[16];
  char port[16];

  if (argc != 2) {
    fprintf(stderr, "usage: rs_request WORKDIR\n");
    return 2;
  }
  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;

  sock = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      bind(sock, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
      getsockname(sock, (struct sockaddr *)&addr, &addr_len) != 0) {
    perror("rs_request: socket");
    return 1;
  }
  snprintf(port, sizeof(port), "%u\n", (unsigned)ntohs(addr.sin_port));
  if (!gkdc_crypto_random(cx, ms, sizeof(ms)) || !write_access_info(argv[1], ms, sizeof(ms)) ||
      !write_file(argv[1], "rs.port", port, strlen(port))) {
    fprintf(stderr, "rs_request: cannot write the token and port files in %s\n", argv[1]);
    return 1;
  }

  server = serve_upload(ms, sizeof(ms));
  if (server != NULL) {
    if (!wait_ready(argv[1]))
      check(0, "the client serves its --listen endpoint");
    else if (!client_endpoint(argv[1], &to))
      check(0, "the client wrote its --listen endpoint");
    else
      protected_checks(server, &to);
  }
  gkdc_oscore_ctx_free(server);
  close(sock);
  oscore_test_crypto_unload();
  return failures == 0 ? 0 : 1;
}
