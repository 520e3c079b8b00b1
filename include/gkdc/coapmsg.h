/*
 * gkdc plugin SDK: a plain CoAP message, for profile plugins that must see
 * options (OSCORE protects and unprotects whole messages).
 *
 * Resource handlers never use this type; they get struct gkdc_request.
 * Options are kept sorted by number, each value a (pointer, length) view.
 * gkdc_coap_msg_* helpers are implemented in libgkdc.
 */
#ifndef GKDC_COAPMSG_H
#define GKDC_COAPMSG_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Option numbers gkdc handles explicitly (RFC 7252, 7641, 7959, 8613). */
#define GKDC_OPT_IF_MATCH 1
#define GKDC_OPT_URI_HOST 3
#define GKDC_OPT_ETAG 4
#define GKDC_OPT_IF_NONE_MATCH 5
#define GKDC_OPT_OBSERVE 6
#define GKDC_OPT_URI_PORT 7
#define GKDC_OPT_LOCATION_PATH 8
#define GKDC_OPT_OSCORE 9
#define GKDC_OPT_URI_PATH 11
#define GKDC_OPT_CONTENT_FORMAT 12
#define GKDC_OPT_MAX_AGE 14
#define GKDC_OPT_URI_QUERY 15
#define GKDC_OPT_ACCEPT 17
#define GKDC_OPT_LOCATION_QUERY 20
#define GKDC_OPT_BLOCK2 23
#define GKDC_OPT_BLOCK1 27
#define GKDC_OPT_SIZE2 28
#define GKDC_OPT_PROXY_URI 35
#define GKDC_OPT_PROXY_SCHEME 39
#define GKDC_OPT_SIZE1 60
#define GKDC_OPT_NO_RESPONSE 258

/* CoAP message types. */
enum gkdc_coap_type {
  GKDC_COAP_CON = 0,
  GKDC_COAP_NON = 1,
  GKDC_COAP_ACK = 2,
  GKDC_COAP_RST = 3,
};

/* Maximum options in one message. */
#define GKDC_COAP_MAX_OPTIONS 32

struct gkdc_coap_option {
  uint16_t number;
  struct gkdc_bytes value;
};

/*
 * A CoAP message: header fields, token, options and payload. The message
 * does not own the bytes its views point to.
 */
struct gkdc_coap_msg {
  uint8_t type;      /* enum gkdc_coap_type */
  uint8_t code;      /* GKDC_CODE() for responses, a method number for requests */
  uint16_t mid;      /* message ID */
  uint8_t token[8];
  size_t token_len;
  struct gkdc_coap_option options[GKDC_COAP_MAX_OPTIONS];
  size_t option_count;
  struct gkdc_bytes payload;
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_COAPMSG_H */
