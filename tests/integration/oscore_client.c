/*
 * A raw UDP client of the OSCORE profile, run by oscore.sh against a real
 * `gkdc serve` with the profile-oscore plugin:
 *
 *   oscore_client PORT AS_KEY_HEX
 *
 * It builds an access token (COSE_Encrypt0 with the AS key, kid h'a1',
 * audience "kdc1", issuer "as1"), posts it to /authz-info on
 * 127.0.0.1:PORT, derives the OSCORE context, then checks a protected GET
 * of /.well-known/core, the answer to a CON retransmission, a replayed
 * request and an unknown kid. Prints one line per check and exits 1 when
 * any failed.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>

#include "oscore.h"
#include "oscore_crypto_fixture.h"

static const struct gkdc_crypto *cx;
static int sock = -1;
static int failures;

static void check(int ok, const char *what)
{
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok)
    failures++;
}

/* Sends `msg` and waits up to 3 s for a datagram into `in`. */
static size_t exchange(const struct gkdc_coap_msg *msg, uint8_t *wire, size_t *wire_len,
                       uint8_t *in, size_t cap)
{
  ssize_t n;

  if (!gkdc_oscore_msg_encode(msg, wire, 1200, wire_len) ||
      send(sock, wire, *wire_len, 0) != (ssize_t)*wire_len)
    return 0;
  n = recv(sock, in, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

/* Sends raw bytes again and waits for the answer. */
static size_t resend(const uint8_t *wire, size_t len, uint8_t *in, size_t cap)
{
  ssize_t n;

  if (send(sock, wire, len, 0) != (ssize_t)len)
    return 0;
  n = recv(sock, in, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

static size_t make_token(const uint8_t *as_key, const uint8_t *ms, size_t ms_len,
                         uint8_t *out, size_t cap)
{
  struct gkdc_cbor_enc e;
  struct gkdc_cose_params params;
  uint8_t claims[256], kid[1] = {0xa1};
  uint8_t scope[] = {0x81, 0x82, 0x63, 0x67, 0x70, 0x31, 0x06};
  size_t claims_len = 0, out_len = cap;

  gkdc_cbor_enc_init(&e, claims, sizeof(claims));
  gkdc_cbor_enc_put_map(&e, 6);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_tstr_z(&e, "as1");
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_put_tstr_z(&e, "kdc1");
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_int(&e, (int64_t)time(NULL) + 3600);
  gkdc_cbor_enc_put_uint(&e, 7);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x0b\x99", 2);
  gkdc_cbor_enc_put_uint(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, ms_len);
  gkdc_cbor_enc_put_uint(&e, 9);
  gkdc_cbor_enc_put_bstr(&e, scope, sizeof(scope));
  if (gkdc_cbor_enc_finish(&e, &claims_len) != GKDC_CBOR_OK)
    return 0;

  memset(&params, 0, sizeof(params));
  params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  params.kid.ptr = kid;
  params.kid.len = sizeof(kid);
  params.content_type = -1;
  if (gkdc_cose_encrypt0_create(cx, &params, as_key, 16, claims, claims_len, NULL, 0, out,
                                &out_len) != GKDC_COSE_OK)
    return 0;
  return out_len;
}

/* Posts the token and derives the client's context; NULL on failure. */
static struct gkdc_oscore_ctx *upload(const uint8_t *as_key)
{
  static const uint8_t nonce1[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  uint8_t ms[16], token[512], payload[640], wire[1200], in[1200];
  uint8_t id1 = 0x00, cf = GKDC_CF_ACE_CBOR;
  size_t token_len, payload_len = 0, wire_len, n;
  struct gkdc_cbor_enc e;
  struct gkdc_coap_msg post, resp;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes n2, id2, bn1 = {nonce1, sizeof(nonce1)}, bid1 = {&id1, 1};
  struct gkdc_oscore_input_material m;

  if (!gkdc_crypto_random(cx, ms, sizeof(ms)))
    return NULL;
  token_len = make_token(as_key, ms, sizeof(ms), token, sizeof(token));
  gkdc_cbor_enc_init(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, token, token_len);
  gkdc_cbor_enc_put_uint(&e, 40);
  gkdc_cbor_enc_put_bstr(&e, nonce1, sizeof(nonce1));
  gkdc_cbor_enc_put_uint(&e, 43);
  gkdc_cbor_enc_put_bstr(&e, &id1, 1);
  if (token_len == 0 || gkdc_cbor_enc_finish(&e, &payload_len) != GKDC_CBOR_OK)
    return NULL;

  memset(&post, 0, sizeof(post));
  post.type = GKDC_COAP_CON;
  post.code = GKDC_POST;
  post.mid = 1;
  post.token_len = 1;
  post.token[0] = 0x01;
  post.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                              {(const uint8_t *)"authz-info", 10}};
  post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  post.option_count = 2;
  post.payload.ptr = payload;
  post.payload.len = payload_len;
  n = exchange(&post, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(2, 1),
        "POST /authz-info answers 2.01");
  if (failures > 0)
    return NULL;

  if (gkdc_cbor_dec_init(&d, resp.payload.ptr, resp.payload.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, 42, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &n2) || !gkdc_cbor_dec_map_find_int(&d, 44, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &id2)) {
    check(0, "2.01 carries nonce2 and ace_server_recipientid");
    return NULL;
  }
  memset(&m, 0, sizeof(m));
  m.has_id = m.has_ms = 1;
  m.ms.ptr = ms;
  m.ms.len = sizeof(ms);
  m.aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m.hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;
  return gkdc_oscore_ace_derive(cx, &m, bn1, n2, bid1, id2, GKDC_OSCORE_ACE_CLIENT);
}

static void protected_checks(struct gkdc_oscore_ctx *client)
{
  uint8_t wire[1200], in[1200], again[1200], buf[1200], inner_buf[1200];
  size_t wire_len, n, n2;
  struct gkdc_coap_msg get, prot, resp, inner;
  struct gkdc_oscore_request creq;
  struct gkdc_oscore_ctx *stranger;
  struct gkdc_oscore_params p;
  uint8_t secret[16] = {7}, kid = 0x42;

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 2;
  get.token_len = 1;
  get.token[0] = 0x02;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                             {(const uint8_t *)".well-known", 11}};
  get.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"core", 4}};
  get.option_count = 2;
  if (gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf), &creq) !=
      GKDC_OSCORE_OK) {
    check(0, "protect GET /.well-known/core");
    return;
  }
  n = exchange(&prot, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_response_classify(&resp) == GKDC_OSCORE_RESPONSE_PROTECTED &&
            gkdc_oscore_unprotect_response(client, &resp, &inner, inner_buf,
                                           sizeof(inner_buf), &creq) == GKDC_OSCORE_OK &&
            inner.code == GKDC_CODE(2, 5),
        "protected GET /.well-known/core answers a protected 2.05");
  check(inner.payload.len > 0 &&
            memmem(inner.payload.ptr, inner.payload.len, "</authz-info>", 13) != NULL,
        "the link format lists </authz-info>");

  /* The CON retransmission gets the same answer from the cache. */
  n2 = resend(wire, wire_len, again, sizeof(again));
  check(n2 == n && memcmp(again, in, n) == 0, "a retransmission gets the cached answer");

  /* The same OSCORE request under a new message ID is a replay. */
  prot.mid = 3;
  n = exchange(&prot, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1) &&
            resp.payload.len == 15 && memcmp(resp.payload.ptr, "Replay detected", 15) == 0,
        "a replayed request answers an unprotected 4.01 Replay detected");

  /* A kid the server does not know. */
  memset(&p, 0, sizeof(p));
  p.master_secret.ptr = secret;
  p.master_secret.len = sizeof(secret);
  p.sender_id.ptr = &kid;
  p.sender_id.len = 1;
  p.recipient_id.ptr = secret;
  p.recipient_id.len = 0;
  stranger = gkdc_oscore_ctx_new(cx, &p);
  get.mid = 4;
  if (stranger != NULL &&
      gkdc_oscore_protect_request(stranger, &get, 0, &prot, buf, sizeof(buf), &creq) ==
          GKDC_OSCORE_OK) {
    n = exchange(&prot, wire, &wire_len, in, sizeof(in));
    check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1) &&
              resp.payload.len == 26 &&
              memcmp(resp.payload.ptr, "Security context not found", 26) == 0,
          "an unknown kid answers 4.01 Security context not found");
  }
  gkdc_oscore_ctx_free(stranger);
}

/* Protected messages whose OSCORE option was replaced by a hand-built
 * malformed value: each gets an unprotected 4.02 "Failed to decode COSE"
 * with Max-Age 0, before any context lookup. */
static void bad_option_checks(struct gkdc_oscore_ctx *client)
{
  static const char *const cases[] = {
      "00", "20", "80", "06000000000000", "01", "05010203", "10", "1005aabb", "011415",
  };
  uint8_t wire[1200], in[1200], buf[1200], v[16];
  struct gkdc_coap_msg get, prot, resp;
  struct gkdc_oscore_request creq;
  size_t wire_len, n, i, j;
  char what[96];

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.token_len = 1;
  get.token[0] = 0x31;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 1;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t vlen = oscore_test_unhex(cases[i], v, sizeof(v));

    get.mid = (uint16_t)(200 + i);
    if (gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf), &creq) !=
        GKDC_OSCORE_OK) {
      check(0, "protect a GET for the bad-option cases");
      return;
    }
    for (j = 0; j < prot.option_count; j++) {
      if (prot.options[j].number == GKDC_OPT_OSCORE) {
        prot.options[j].value.ptr = v;
        prot.options[j].value.len = vlen;
      }
    }
    n = exchange(&prot, wire, &wire_len, in, sizeof(in));
    snprintf(what, sizeof(what), "OSCORE option h'%s' answers an unprotected 4.02", cases[i]);
    check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 2) &&
              gkdc_oscore_response_classify(&resp) != GKDC_OSCORE_RESPONSE_PROTECTED &&
              resp.payload.len == 21 &&
              memcmp(resp.payload.ptr, "Failed to decode COSE", 21) == 0,
          what);
  }
}

/*
 * A protected POST /authz-info whose ciphertext travels in two outer
 * Block1 blocks of 64 bytes (RFC 8613 section 4.1.3.4.2): the first
 * gets 2.31 Continue, the second the protected answer to the whole
 * request, which the server reassembled before it unprotected it. The
 * inner payload is no token, so the inner answer is 4.00.
 */
static void outer_block1_check(struct gkdc_oscore_ctx *client)
{
  uint8_t wire[1200], in[1200], buf[1200], inner_buf[1200], body[100], cf = 19;
  uint8_t b0 = 0x0a, b1 = 0x12; /* NUM 0 M=1 SZX 2; NUM 1 M=0 SZX 2 */
  struct gkdc_coap_msg post, prot, part, resp, inner;
  struct gkdc_oscore_request creq;
  size_t wire_len, n;

  memset(body, 0xa5, sizeof(body));
  memset(&post, 0, sizeof(post));
  post.type = GKDC_COAP_CON;
  post.code = GKDC_POST;
  post.mid = 300;
  post.token_len = 1;
  post.token[0] = 0x33;
  post.options[0] =
      (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"authz-info", 10}};
  post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  post.option_count = 2;
  post.payload.ptr = body;
  post.payload.len = sizeof(body);
  if (gkdc_oscore_protect_request(client, &post, 0, &prot, buf, sizeof(buf), &creq) !=
          GKDC_OSCORE_OK ||
      prot.payload.len <= 64 || prot.payload.len > 128 ||
      prot.option_count + 1 > GKDC_COAP_MAX_OPTIONS) {
    check(0, "protect a POST of 65 to 128 ciphertext bytes");
    return;
  }

  part = prot;
  part.options[part.option_count++] = (struct gkdc_coap_option){27, {&b0, 1}};
  part.payload.len = 64;
  n = exchange(&part, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(2, 31),
        "the first outer Block1 block gets 2.31 Continue");

  part = prot;
  part.mid = 301;
  part.options[part.option_count++] = (struct gkdc_coap_option){27, {&b1, 1}};
  part.payload.ptr = prot.payload.ptr + 64;
  part.payload.len = prot.payload.len - 64;
  n = exchange(&part, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_response_classify(&resp) == GKDC_OSCORE_RESPONSE_PROTECTED &&
            gkdc_oscore_unprotect_response(client, &resp, &inner, inner_buf,
                                           sizeof(inner_buf), &creq) == GKDC_OSCORE_OK &&
            inner.code == GKDC_CODE(4, 0),
        "the reassembled body unprotects: a protected answer (inner 4.00)");
}

int main(int argc, char **argv)
{
  struct sockaddr_in addr;
  struct timeval tv = {3, 0};
  struct gkdc_oscore_ctx *client;
  uint8_t as_key[16];

  if (argc != 3 || strlen(argv[2]) != 32) {
    fprintf(stderr, "usage: oscore_client PORT AS_KEY_HEX(16 bytes)\n");
    return 2;
  }
  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;
  oscore_test_unhex(argv[2], as_key, sizeof(as_key));

  sock = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[1]));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      connect(sock, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    perror("socket");
    return 1;
  }

  client = upload(as_key);
  check(client != NULL, "client context derived from nonce2 and ID2");
  if (client != NULL) {
    protected_checks(client);
    bad_option_checks(client);
    outer_block1_check(client);
  }

  gkdc_oscore_ctx_free(client);
  close(sock);
  oscore_test_crypto_unload();
  return failures == 0 ? 0 : 1;
}
