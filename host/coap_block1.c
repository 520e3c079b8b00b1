/*
 * Block1 (RFC 7959) reassembly of request bodies in the host, in place of
 * libcoap's.
 *
 * libcoap 4.3.1 reassembles a Block1 request only when its first block
 * carries Size1. Without Size1 it keeps an empty transfer record, and a
 * second copy of the last block then dereferences a NULL body: three
 * datagrams stop the process. With Size1 it allocates whatever size the
 * client announces, up to 4 GiB. Neither can be fixed from a handler,
 * because both happen before the handler runs.
 *
 * So the host hides Block1 from libcoap's server-side request processing:
 * gkdc_get_block_b_hook() below interposes libcoap's exported
 * coap_get_block_b() and answers "no Block1 option" for requests that a
 * server session received. libcoap then hands every block to the request
 * handler as a plain request, and gkdc_coap_block1_collect() reassembles
 * the body with a size limit. Everything else (Block2, and Block1 on client
 * sessions) still goes to libcoap's own function.
 *
 * Interposition works because libcoap 4.3.1 calls coap_get_block_b()
 * through its PLT and libgkdc comes before libcoap in the symbol search
 * order of every program that links both. gkdc_coap_block1_selftest()
 * tells whether the hook is active.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "coap_glue.h"
#include "internal.h"

/* Largest request body the host reassembles. The KDC's largest request is
 * a Joining Request with one credential, a few hundred bytes. */
#define BLOCK1_MAX_BODY (64 * 1024)

/* Concurrent Block1 transfers; the least recently used one is dropped when
 * a new one needs a slot. */
#define BLOCK1_MAX_TRANSFERS 64

/* A transfer that saw no block for this long is dropped (MAX_TRANSMIT_WAIT
 * of RFC 7252 with the default parameters). */
#define BLOCK1_TIMEOUT_MS 93000

/* Longest request URI (Uri-Path and Uri-Query values) that identifies a
 * transfer. A Block1 request with a longer one gets 4.14 (Request-URI Too
 * Long). */
#define BLOCK1_MAX_KEY 512

struct block1_transfer {
  int in_use;
  coap_session_t *session; /* borrowed: only compared, never dereferenced */
  uint8_t key[BLOCK1_MAX_KEY];
  size_t key_len;
  int32_t content_format;
  unsigned szx;
  uint32_t next_num; /* number of the next block expected */
  uint8_t *body;
  size_t len;
  uint64_t last_ms;
};

static struct block1_transfer transfers[BLOCK1_MAX_TRANSFERS];

/* The assembled body handed to the handler; released after it ran. */
static uint8_t *completed_body;
static size_t completed_len;

typedef int (*get_block_b_fn)(const coap_session_t *, const coap_pdu_t *,
                              coap_option_num_t, coap_block_b_t *);

static get_block_b_fn real_get_block_b(void) {
  static get_block_b_fn real;

  if (real == NULL)
    real = (get_block_b_fn)dlsym(RTLD_NEXT, "coap_get_block_b");
  return real;
}

/*
 * The interposed libcoap function. It reports no Block1 option for a
 * request on a server session, so that libcoap's Block1 code never runs on
 * received requests; every other call goes to libcoap.
 */
int coap_get_block_b(const coap_session_t *session, const coap_pdu_t *pdu,
                     coap_option_num_t number, coap_block_b_t *block) {
  get_block_b_fn real = real_get_block_b();
  coap_pdu_code_t code = coap_pdu_get_code(pdu);

  if (number == COAP_OPTION_BLOCK1 && session != NULL &&
      coap_session_get_type(session) == COAP_SESSION_TYPE_SERVER &&
      code != 0 && COAP_RESPONSE_CLASS(code) == 0) {
    memset(block, 0, sizeof(*block));
    return 0;
  }
  if (real == NULL) {
    memset(block, 0, sizeof(*block));
    return 0;
  }
  return real(session, pdu, number, block);
}

int gkdc_coap_block1_hook_active(void) {
  return real_get_block_b() != NULL &&
         dlsym(RTLD_DEFAULT, "coap_get_block_b") == (void *)coap_get_block_b;
}

static void transfer_free(struct block1_transfer *t) {
  if (t->body != NULL) {
    explicit_bzero(t->body, t->len);
    free(t->body);
  }
  memset(t, 0, sizeof(*t));
}

/* The transfer key: every Uri-Path and Uri-Query value, each preceded by
 * its option number and length, so that different URIs never collide. */
static int transfer_key(const coap_pdu_t *pdu, uint8_t *key, size_t *key_len) {
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  size_t n = 0;

  coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next(&it)) != NULL) {
    size_t len;

    if (it.number != COAP_OPTION_URI_PATH && it.number != COAP_OPTION_URI_QUERY)
      continue;
    len = coap_opt_length(opt);
    if (n + 3 + len > BLOCK1_MAX_KEY)
      return 0;
    key[n++] = (uint8_t)it.number;
    key[n++] = (uint8_t)(len >> 8);
    key[n++] = (uint8_t)len;
    memcpy(key + n, coap_opt_value(opt), len);
    n += len;
  }
  *key_len = n;
  return 1;
}

static struct block1_transfer *transfer_find(coap_session_t *session,
                                             const uint8_t *key, size_t key_len) {
  size_t i;

  for (i = 0; i < BLOCK1_MAX_TRANSFERS; i++) {
    struct block1_transfer *t = &transfers[i];

    if (t->in_use && t->session == session && t->key_len == key_len &&
        memcmp(t->key, key, key_len) == 0)
      return t;
  }
  return NULL;
}

/* A free slot, or the least recently used one after dropping it. */
static struct block1_transfer *transfer_slot(uint64_t now_ms) {
  struct block1_transfer *oldest = &transfers[0];
  size_t i;

  for (i = 0; i < BLOCK1_MAX_TRANSFERS; i++) {
    struct block1_transfer *t = &transfers[i];

    if (t->in_use && now_ms - t->last_ms > BLOCK1_TIMEOUT_MS)
      transfer_free(t);
    if (!t->in_use)
      return t;
    if (t->last_ms < oldest->last_ms)
      oldest = t;
  }
  gkdc_log(GKDC_LOG_INFO, "coap", "dropping the oldest unfinished Block1 transfer");
  transfer_free(oldest);
  return oldest;
}

static void add_block1_option(coap_pdu_t *response, uint32_t num, int more,
                              unsigned szx) {
  uint8_t buf[4];

  coap_add_option(response, COAP_OPTION_BLOCK1,
                  coap_encode_var_safe(buf, sizeof(buf), (num << 4) | (more ? 8u : 0u) | szx),
                  buf);
}

static void answer_too_large(coap_pdu_t *response) {
  uint8_t buf[4];

  coap_pdu_set_code(response, COAP_RESPONSE_CODE(413));
  coap_add_option(response, COAP_OPTION_SIZE1,
                  coap_encode_var_safe(buf, sizeof(buf), BLOCK1_MAX_BODY), buf);
}

/* Reads the Block1 option of a request: 1 when present (and valid: *num,
 * *more, *szx set), 0 when absent, -1 when malformed. */
static int read_block1(const coap_pdu_t *pdu, uint32_t *num, int *more, unsigned *szx) {
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option(pdu, COAP_OPTION_BLOCK1, &it);
  uint32_t value;

  if (opt == NULL)
    return 0;
  if (coap_opt_length(opt) > 3)
    return -1;
  value = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
  *num = value >> 4;
  *more = (value & 8) != 0;
  *szx = value & 7;
  return 1;
}

static int32_t content_format_of(const coap_pdu_t *pdu) {
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option(pdu, COAP_OPTION_CONTENT_FORMAT, &it);

  if (opt == NULL)
    return -1;
  return (int32_t)coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

enum gkdc_block1_result gkdc_coap_block1_collect(coap_session_t *session,
                                                 const coap_pdu_t *pdu,
                                                 coap_pdu_t *response,
                                                 const uint8_t **body,
                                                 size_t *body_len) {
  struct block1_transfer *t;
  uint8_t key[BLOCK1_MAX_KEY];
  size_t key_len, len = 0, block_size;
  const uint8_t *data = NULL;
  uint32_t num;
  int more, present;
  unsigned szx;
  uint64_t now_ms = gkdc_timer_now_ms();

  present = read_block1(pdu, &num, &more, &szx);
  if (present == 0)
    return GKDC_BLOCK1_NONE;
  if (present < 0 || szx == 7) {
    /* szx 7 is BERT, which RFC 8323 reserves for reliable transports. */
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(400));
    return GKDC_BLOCK1_ANSWERED;
  }
  if (!transfer_key(pdu, key, &key_len)) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(414));
    return GKDC_BLOCK1_ANSWERED;
  }

  block_size = (size_t)1 << (szx + 4);
  coap_get_data(pdu, &len, &data);
  if (more && len != block_size) {
    /* RFC 7959, Section 2.2: every block but the last is full size. */
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(400));
    return GKDC_BLOCK1_ANSWERED;
  }

  t = transfer_find(session, key, key_len);
  if (num == 0) {
    coap_opt_iterator_t it;
    coap_opt_t *size1 = coap_check_option(pdu, COAP_OPTION_SIZE1, &it);

    if (size1 != NULL &&
        (coap_opt_length(size1) > 4 ||
         coap_decode_var_bytes(coap_opt_value(size1), coap_opt_length(size1)) > BLOCK1_MAX_BODY)) {
      if (t != NULL)
        transfer_free(t);
      answer_too_large(response);
      return GKDC_BLOCK1_ANSWERED;
    }
    if (!more) {
      /* A single block: nothing to reassemble. */
      if (t != NULL)
        transfer_free(t);
      *body = data;
      *body_len = len;
      return GKDC_BLOCK1_COMPLETE;
    }
    if (t != NULL && t->szx == szx && t->next_num == 1 && t->len == len &&
        memcmp(t->body, data, len) == 0) {
      /* A retransmission of the first block. */
      t->last_ms = now_ms;
      coap_pdu_set_code(response, COAP_RESPONSE_CODE(231));
      add_block1_option(response, 0, 1, szx);
      return GKDC_BLOCK1_ANSWERED;
    }
    if (t != NULL)
      transfer_free(t);
    t = transfer_slot(now_ms);
    t->in_use = 1;
    t->session = session;
    memcpy(t->key, key, key_len);
    t->key_len = key_len;
    t->content_format = content_format_of(pdu);
    t->szx = szx;
    t->next_num = 0;
  } else if (t == NULL || t->szx != szx || t->content_format != content_format_of(pdu)) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(408));
    return GKDC_BLOCK1_ANSWERED;
  } else if (num + 1 == t->next_num && more) {
    /* A retransmission of the block just acknowledged. */
    t->last_ms = now_ms;
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(231));
    add_block1_option(response, num, 1, szx);
    return GKDC_BLOCK1_ANSWERED;
  } else if (num != t->next_num) {
    transfer_free(t);
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(408));
    return GKDC_BLOCK1_ANSWERED;
  }

  if (t->len + len > BLOCK1_MAX_BODY) {
    transfer_free(t);
    answer_too_large(response);
    return GKDC_BLOCK1_ANSWERED;
  }
  if (len > 0) {
    uint8_t *grown = malloc(t->len + len);

    if (grown == NULL) {
      transfer_free(t);
      coap_pdu_set_code(response, COAP_RESPONSE_CODE(500));
      return GKDC_BLOCK1_ANSWERED;
    }
    if (t->len > 0)
      memcpy(grown, t->body, t->len);
    memcpy(grown + t->len, data, len);
    if (t->body != NULL) {
      explicit_bzero(t->body, t->len);
      free(t->body);
    }
    t->body = grown;
    t->len += len;
  }
  t->next_num = num + 1;
  t->last_ms = now_ms;

  if (more) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE(231));
    add_block1_option(response, num, 1, szx);
    return GKDC_BLOCK1_ANSWERED;
  }

  /* The last block: hand the whole body over and forget the transfer. */
  gkdc_coap_block1_release();
  completed_body = t->body;
  completed_len = t->len;
  t->body = NULL;
  t->len = 0;
  transfer_free(t);
  add_block1_option(response, num, 0, szx);
  *body = completed_body;
  *body_len = completed_len;
  return GKDC_BLOCK1_COMPLETE;
}

void gkdc_coap_block1_release(void) {
  if (completed_body != NULL) {
    explicit_bzero(completed_body, completed_len);
    free(completed_body);
  }
  completed_body = NULL;
  completed_len = 0;
}

void gkdc_coap_block1_forget_session(coap_session_t *session) {
  size_t i;

  for (i = 0; i < BLOCK1_MAX_TRANSFERS; i++) {
    if (transfers[i].in_use && (session == NULL || transfers[i].session == session))
      transfer_free(&transfers[i]);
  }
  if (session == NULL)
    gkdc_coap_block1_release();
}
