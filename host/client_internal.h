/*
 * Private interfaces between the files of the client (client*.c). Only
 * these files and the CoAP glue include libcoap.
 */
#ifndef GKDC_HOST_CLIENT_INTERNAL_H
#define GKDC_HOST_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include <gkdc/client.h>
#include <gkdc/coapmsg.h>
#include <gkdc/profile.h>

struct gkdc_client {
  coap_context_t *ctx;
  int own_ctx;       /* 1 when the client created ctx */
  int started_coap;  /* 1 when the client called coap_startup() */
  struct gkdc_client_session *sessions;
  size_t pending;
};

struct gkdc_client_security {
  const struct gkdc_profile_ops *ops;
  void *st;
  gkdc_profile_client *pc;
};

struct gkdc_client_session {
  gkdc_client *client;
  coap_session_t *cs;
  gkdc_client_security *sec;
  struct gkdc_client_request *requests;
  uint8_t *psk_identity;
  size_t psk_identity_len;
  uint8_t *psk_key;
  size_t psk_key_len;
  struct gkdc_client_session *next;
};

struct gkdc_client_request {
  gkdc_client_session *session;
  uint8_t token[8];
  size_t token_len;
  gkdc_client_response_fn fn;
  void *arg;
  uint64_t timer;            /* the timeout timer until the first response, or 0 */
  int observe;               /* 1 for an observation */
  int answered;              /* 1 once a response arrived */
  int in_callback;           /* 1 while fn runs */
  int cancelled;             /* set by gkdc_client_cancel() during fn */
  gkdc_profile_binding *binding; /* the security object's binding, or NULL */
  struct gkdc_client_request *next;
};

/* ---- client_msg.c: plain CoAP messages and libcoap PDUs ---- */

/* Storage for the option values of a request built from a gkdc_client_msg. */
struct gkdc_client_wire {
  struct gkdc_coap_msg msg;
  uint8_t uint_values[4][4]; /* Observe, Content-Format, Accept */
};

/*
 * Builds the plain request of `in` (method, Uri-Path and Uri-Query split
 * from `path` and `query`, Observe, Content-Format, Accept, payload) into
 * `out`, whose views point into `in` and into `out` itself. Returns 1, or 0
 * after logging when it needs more than GKDC_COAP_MAX_OPTIONS options or a
 * segment is longer than 255 bytes.
 */
int gkdc_client_build_msg(const struct gkdc_client_msg *in, struct gkdc_client_wire *out);

/*
 * Creates a CON request PDU for `session` from `msg` (code, token and
 * options; the payload is added by the caller). Returns NULL after logging
 * when libcoap refuses an option.
 */
coap_pdu_t *gkdc_client_msg_to_pdu(coap_session_t *session, const struct gkdc_coap_msg *msg);

/*
 * Reads a received PDU into `out`: type, code, token, options without the
 * block-wise ones (Block1, Block2, Size1, Size2), and the whole body as
 * libcoap reassembled it. The views point into `pdu`. Returns 1, or 0 when
 * it has more than GKDC_COAP_MAX_OPTIONS options.
 */
int gkdc_client_pdu_to_msg(const coap_pdu_t *pdu, struct gkdc_coap_msg *out);

/* Returns the value of an unsigned integer option, or -1 when absent or
 * longer than 4 bytes. */
int64_t gkdc_client_msg_uint_option(const struct gkdc_coap_msg *msg, uint16_t number);

/* Returns 1 when `pdu` is one block of a larger body: its Block2 option
 * has the More bit set. */
int gkdc_client_pdu_is_partial(const coap_pdu_t *pdu);

/*
 * Writes the Location-Path options of `msg` to `out` (capacity `cap`) as
 * segments joined by '/', without a leading '/'. Returns 1 with "" when
 * there are none. Returns 0 with "" when a segment contains '/' or a zero
 * byte, or when the path does not fit.
 */
int gkdc_client_msg_location_path(const struct gkdc_coap_msg *msg, char *out, size_t cap);

/* Returns 1 when `msg` carries option `number`. */
int gkdc_client_msg_has_option(const struct gkdc_coap_msg *msg, uint16_t number);

#endif /* GKDC_HOST_CLIENT_INTERNAL_H */
