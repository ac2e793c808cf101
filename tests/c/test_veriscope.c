/*
 * The C door's tests: the shared fixtures, every status code, NULL and
 * invalid UTF-8 arguments, freeing, and concurrent use from threads.
 *
 * Usage: test_veriscope GROUP FIXTURES_DIR
 *   GROUP is one of: fixtures, api, arguments, threads, webhooks, mrz, face
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriscope.h"

static int passed, failed;
static const char *fixtures_dir;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) {                                                       \
            passed++;                                                     \
        } else {                                                          \
            failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

/* Reads tests/fixtures/<rel> whole; returns a NUL-terminated buffer. */
static char *read_fixture(const char *rel, size_t *len_out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fixtures_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf[len] = '\0';
    fclose(f);
    if (len_out) *len_out = (size_t)len;
    return buf;
}

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* Sets the digits after "latencyMs": to a single 0, in place: the one field
   of an analysis that depends on the machine. */
static void zero_latency(char *json) {
    char *key = strstr(json, "\"latencyMs\":");
    if (!key) return;
    char *digits = key + strlen("\"latencyMs\":");
    char *end = digits;
    while (*end >= '0' && *end <= '9') end++;
    if (end == digits) return;
    *digits = '0';
    memmove(digits + 1, end, strlen(end) + 1);
}

/* Runs one fixture operation; returns the JSON the door produced (malloc'd). */
#define FIXTURE_TODAY "2026-11-22"

static char *run_operation(const char *op, const char *input, const VsLimits *limits, const char *options) {
    size_t len = 0;
    char *data = read_fixture(input, &len);
    char *out = NULL;
    VsStatus status;
    if (strcmp(op, "document-bytes") == 0)
        status = vs_check_document_bytes(limits, (const uint8_t *)data, len, &out);
    else if (strcmp(op, "document-base64") == 0)
        status = vs_decode_document_base64(limits, data, &out, NULL, NULL);
    else if (strcmp(op, "document-url") == 0)
        status = vs_check_document_url(limits, data, &out);
    else if (strcmp(op, "verify-request") == 0)
        status = vs_check_verify_request(limits, data, &out);
    else if (strcmp(op, "create-verification") == 0)
        status = vs_check_create_verification(limits, data, &out);
    else if (strcmp(op, "verification") == 0)
        status = vs_parse_verification(data, &out);
    else if (strcmp(op, "forgery-response") == 0)
        status = vs_parse_forgery_response(data, &out);
    else if (strcmp(op, "mrz") == 0)
        status = vs_mrz_parse(data, FIXTURE_TODAY, &out);
    else if (strcmp(op, "nik") == 0)
        status = vs_nik_check(data, options, FIXTURE_TODAY, &out);
    else if (strcmp(op, "analyze") == 0)
        status = vs_analyze((const uint8_t *)data, len, options, &out);
    else {
        fprintf(stderr, "unknown operation %s\n", op);
        exit(2);
    }
    free(data);
    char *result;
    if (status == VS_STATUS_OK) {
        result = strdup(out);
        CHECK(vs_last_error_message() == NULL, "%s: success left an error message", input);
    } else {
        CHECK(out == NULL, "%s: failure left out_json set", input);
        result = strdup(vs_last_error_json());
    }
    vs_string_free(out);
    return result;
}

static void test_fixtures(void) {
    char *index = read_fixture("index.tsv", NULL);
    int cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(index, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0') continue;
        char *fields[4];
        char *field_save = NULL;
        char *field = strtok_r(line, "\t", &field_save);
        for (int i = 0; i < 4; i++) {
            fields[i] = field;
            field = strtok_r(NULL, "\t", &field_save);
        }
        VsLimits *limits = NULL;
        char *options = NULL;
        if (strcmp(fields[2], "-") != 0) {
            options = read_fixture(fields[2], NULL);
            if (strcmp(fields[0], "nik") != 0 && strcmp(fields[0], "analyze") != 0)
                CHECK(vs_limits_new(options, &limits) == VS_STATUS_OK, "%s", fields[2]);
        }
        char *expected = read_fixture(fields[3], NULL);
        chomp(expected);
        char *actual = run_operation(fields[0], fields[1], limits, options);
        if (strcmp(fields[0], "analyze") == 0) zero_latency(actual);
        free(options);
        CHECK(strcmp(actual, expected) == 0, "%s\n  expected %s\n  actual   %s", fields[1], expected, actual);
        free(actual);
        free(expected);
        vs_limits_free(limits);
        cases++;
    }
    free(index);
    CHECK(cases >= 77, "only %d fixture cases", cases);
}

static void test_api(void) {
    /* Success, and the result JSON. */
    size_t len = 0;
    char *jpeg = read_fixture("document-bytes/small-card-jpeg.jpg", &len);
    char *out = NULL;
    CHECK(vs_check_document_bytes(NULL, (const uint8_t *)jpeg, len, &out) == VS_STATUS_OK, "jpeg");
    CHECK(out && strstr(out, "\"format\":\"jpeg\""), "%s", out ? out : "(null)");
    vs_string_free(out);

    /* Every status has its name and HTTP status; unknown numbers have none. */
    struct { int number; const char *name; int http; } table[] = {
        {VS_STATUS_OK, "OK", 200},
        {VS_STATUS_VALIDATION_ERROR, "VALIDATION_ERROR", 400},
        {VS_STATUS_UNAUTHORIZED, "UNAUTHORIZED", 401},
        {VS_STATUS_TRIAL_EXHAUSTED, "TRIAL_EXHAUSTED", 402},
        {VS_STATUS_UNSUPPORTED_FORMAT, "UNSUPPORTED_FORMAT", 422},
        {VS_STATUS_FILE_TOO_LARGE, "FILE_TOO_LARGE", 422},
        {VS_STATUS_FETCH_FAILED, "FETCH_FAILED", 422},
        {VS_STATUS_RATE_LIMITED, "RATE_LIMITED", 429},
        {VS_STATUS_CAP_EXCEEDED, "CAP_EXCEEDED", 429},
        {VS_STATUS_INVALID_TRANSITION, "INVALID_TRANSITION", 409},
        {VS_STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT", 400},
        {VS_STATUS_NOT_FOUND, "NOT_FOUND", 404},
        {VS_STATUS_INTERNAL_ERROR, "INTERNAL_ERROR", 500},
        {VS_STATUS_WEBHOOK_MISSING_HEADER, "WEBHOOK_MISSING_HEADER", 400},
        {VS_STATUS_WEBHOOK_MALFORMED_HEADER, "WEBHOOK_MALFORMED_HEADER", 400},
        {VS_STATUS_WEBHOOK_TIMESTAMP_TOO_OLD, "WEBHOOK_TIMESTAMP_TOO_OLD", 401},
        {VS_STATUS_WEBHOOK_TIMESTAMP_TOO_NEW, "WEBHOOK_TIMESTAMP_TOO_NEW", 401},
        {VS_STATUS_WEBHOOK_SIGNATURE_MISMATCH, "WEBHOOK_SIGNATURE_MISMATCH", 401},
        {VS_STATUS_WEBHOOK_UNSIGNED, "WEBHOOK_UNSIGNED", 401},
        {VS_STATUS_WEBHOOK_INVALID_SECRET, "WEBHOOK_INVALID_SECRET", 400},
        {VS_STATUS_MODEL_MISSING, "MODEL_MISSING", 503},
        {VS_STATUS_MODEL_INVALID, "MODEL_INVALID", 500},
        {VS_STATUS_FACE_NOT_FOUND, "FACE_NOT_FOUND", 422},
        {VS_STATUS_NETWORK_ERROR, "NETWORK_ERROR", 503},
        {VS_STATUS_TIMEOUT, "TIMEOUT", 504},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const char *name = vs_status_name(table[i].number);
        CHECK(name && strcmp(name, table[i].name) == 0, "status %d named %s", table[i].number, name ? name : "(null)");
        CHECK(vs_status_http_status(table[i].number) == table[i].http, "status %d", table[i].number);
    }
    CHECK(vs_status_name(25) == NULL && vs_status_name(-1) == NULL, "unknown numbers have no name");
    CHECK(vs_status_http_status(25) == 0, "unknown numbers have no HTTP status");

    /* Each locally reachable error code, from a real call. */
    CHECK(vs_check_document_bytes(NULL, (const uint8_t *)"GIF89a", 6, &out) == VS_STATUS_UNSUPPORTED_FORMAT, "gif");
    CHECK(strstr(vs_last_error_message(), "found GIF") != NULL, "%s", vs_last_error_message());
    VsLimits *small = NULL;
    CHECK(vs_limits_new("{\"maxInlineBytes\": 100}", &small) == VS_STATUS_OK, "limits");
    CHECK(vs_check_document_bytes(small, (const uint8_t *)jpeg, len, &out) == VS_STATUS_FILE_TOO_LARGE, "too large");
    CHECK(strstr(vs_last_error_json(), "\"code\":\"FILE_TOO_LARGE\"") != NULL, "%s", vs_last_error_json());
    vs_limits_free(small);
    CHECK(vs_check_create_verification(NULL, "{}", &out) == VS_STATUS_VALIDATION_ERROR, "empty body");
    CHECK(strstr(vs_last_error_json(), "\"details\":[{\"field\":\"service_id\"") != NULL, "%s", vs_last_error_json());
    CHECK(vs_status_check_transition("DRAFT", "COMPLETED") == VS_STATUS_INVALID_TRANSITION, "illegal move");
    CHECK(vs_status_check_transition("DRAFT", "IN_QUEUE") == VS_STATUS_OK, "legal move");
    CHECK(vs_status_check_transition("DRAFT", "DONE") == VS_STATUS_INVALID_ARGUMENT, "unknown status");
    CHECK(vs_limits_new("{\"maxBytes\": 1}", &small) == VS_STATUS_INVALID_ARGUMENT && small == NULL, "bad limits");

    bool terminal = false;
    CHECK(vs_status_is_terminal("COMPLETED", &terminal) == VS_STATUS_OK && terminal, "COMPLETED is terminal");
    CHECK(vs_status_is_terminal("NEED_REVIEW", &terminal) == VS_STATUS_OK && !terminal, "NEED_REVIEW is not");
    CHECK(vs_status_allowed_transitions("DRAFT", &out) == VS_STATUS_OK && strcmp(out, "[\"IN_QUEUE\",\"CANCELLED\"]") == 0,
          "%s", out);
    vs_string_free(out);
    CHECK(vs_services_json(&out) == VS_STATUS_OK && strstr(out, "\"KTP_SELFIE\""), "services");
    vs_string_free(out);

    /* A success clears the previous error. */
    CHECK(vs_check_document_url(NULL, "https://127.0.0.1/", &out) == VS_STATUS_VALIDATION_ERROR, "loopback");
    CHECK(vs_check_document_url(NULL, "https://example.com/a.jpg", &out) == VS_STATUS_OK, "public");
    CHECK(vs_last_error_message() == NULL && vs_last_error_json() == NULL, "error cleared");
    vs_string_free(out);

    /* Decoded bytes come back and are freed with vs_bytes_free. */
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    CHECK(vs_decode_document_base64(NULL, "data:image/png;base64,iVBORw0KGgo=", &out, &bytes, &bytes_len) == VS_STATUS_OK,
          "base64");
    CHECK(bytes_len == 8 && bytes && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0, "decoded bytes");
    vs_bytes_free(bytes, bytes_len);
    vs_string_free(out);

    CHECK(strcmp(vs_version(), "0.1.0") == 0 || strlen(vs_version()) > 0, "version");
    free(jpeg);
}

static void test_arguments(void) {
    char *out = (char *)0x1; /* must be reset to NULL on failure */
    CHECK(vs_check_document_url(NULL, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL url");
    CHECK(out == NULL, "out reset");
    CHECK(strcmp(vs_last_error_message(), "argument `url` is NULL") == 0, "%s", vs_last_error_message());
    CHECK(vs_check_document_url(NULL, "https://example.com/", NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out");
    CHECK(strstr(vs_last_error_message(), "out_json") != NULL, "%s", vs_last_error_message());
    CHECK(vs_check_document_bytes(NULL, NULL, 0, &out) == VS_STATUS_UNSUPPORTED_FORMAT, "NULL with length 0 is empty");
    CHECK(strstr(vs_last_error_message(), "empty file") != NULL, "%s", vs_last_error_message());
    CHECK(vs_check_document_bytes(NULL, NULL, 5, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL with length 5");
    CHECK(vs_check_create_verification(NULL, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL body");
    CHECK(vs_check_verify_request(NULL, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL body");
    CHECK(vs_parse_verification(NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL json");
    CHECK(vs_parse_forgery_response(NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL json");
    CHECK(vs_decode_document_base64(NULL, NULL, &out, NULL, NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL text");
    CHECK(vs_status_check_transition(NULL, "DRAFT") == VS_STATUS_INVALID_ARGUMENT, "NULL from");
    CHECK(vs_status_is_terminal("DRAFT", NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out_terminal");
    CHECK(vs_services_json(NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out");
    CHECK(vs_limits_new(NULL, NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out");
    CHECK(vs_analyze(NULL, 7, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL data with length 7");
    CHECK(vs_analyze((const uint8_t *)"%PDF-1", 6, NULL, NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out");
    CHECK(vs_analyze((const uint8_t *)"%PDF-1", 6, "{\"details\": 3}", &out) == VS_STATUS_VALIDATION_ERROR,
          "bad options: %s", vs_last_error_message());

    const char bad_utf8[] = {'h', 't', 't', 'p', 's', ':', '/', '/', (char)0xff, (char)0xfe, '/', 0};
    CHECK(vs_check_document_url(NULL, bad_utf8, &out) == VS_STATUS_INVALID_ARGUMENT, "invalid UTF-8");
    CHECK(strstr(vs_last_error_message(), "not valid UTF-8") != NULL, "%s", vs_last_error_message());
    CHECK(strstr(vs_last_error_json(), "\"code\":\"INVALID_ARGUMENT\"") != NULL, "%s", vs_last_error_json());
    const char bad_body[] = {'{', '"', (char)0xc3, '"', ':', '1', '}', 0};
    CHECK(vs_check_create_verification(NULL, bad_body, &out) == VS_STATUS_INVALID_ARGUMENT, "invalid UTF-8 body");

    /* Freeing NULL is harmless. */
    vs_string_free(NULL);
    vs_bytes_free(NULL, 0);
    vs_limits_free(NULL);
    passed++;
}

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define BODY "{\"id\":\"ver_1\",\"status\":\"COMPLETED\"}"

static VsStatus verify_with(const char *options, const char *headers, const char *body, char **out) {
    return vs_webhook_verify(options, headers, (const uint8_t *)body, strlen(body), out);
}

static void test_webhooks(void) {
    char *headers = NULL;
    char *out = NULL;
    CHECK(vs_webhook_sign("{\"secret\": \"" SECRET "\", \"id\": \"msg_1\", \"timestamp\": 1700000000}",
                          (const uint8_t *)BODY, strlen(BODY), &headers) == VS_STATUS_OK, "sign");
    CHECK(headers && strstr(headers, "\"webhook-signature\":\"v1,"), "%s", headers ? headers : "(null)");

    const char *at_now = "{\"secret\": \"" SECRET "\", \"now\": 1700000060}";
    CHECK(verify_with(at_now, headers, BODY, &out) == VS_STATUS_OK, "verify: %s", vs_last_error_message());
    CHECK(out && strcmp(out, "{\"status\":\"verified\",\"scheme\":\"standard\",\"id\":\"msg_1\","
                             "\"timestamp\":1700000000,\"secretIndex\":0}") == 0, "%s", out);
    vs_string_free(out);

    CHECK(vs_webhook_verify_event(at_now, headers, (const uint8_t *)BODY, strlen(BODY), &out) == VS_STATUS_OK, "event");
    CHECK(out && strstr(out, "\"verification\":{\"id\":\"ver_1\"") != NULL, "%s", out);
    vs_string_free(out);

    /* A flipped body byte, a wrong secret, stale and future timestamps. */
    CHECK(verify_with(at_now, headers, "{\"id\":\"ver_2\",\"status\":\"COMPLETED\"}", &out) ==
          VS_STATUS_WEBHOOK_SIGNATURE_MISMATCH, "tampered body");
    CHECK(verify_with("{\"secret\": \"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"now\": 1700000000}", headers, BODY,
                      &out) == VS_STATUS_WEBHOOK_SIGNATURE_MISMATCH, "wrong secret");
    CHECK(verify_with("{\"secret\": \"" SECRET "\", \"now\": 1700000301}", headers, BODY, &out) ==
          VS_STATUS_WEBHOOK_TIMESTAMP_TOO_OLD, "too old");
    CHECK(verify_with("{\"secret\": \"" SECRET "\", \"now\": 1699999699}", headers, BODY, &out) ==
          VS_STATUS_WEBHOOK_TIMESTAMP_TOO_NEW, "too new");
    /* Rotation: the old secret second in the list still verifies. */
    CHECK(verify_with("{\"secrets\": [\"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"" SECRET "\"], \"now\": 1700000000}",
                      headers, BODY, &out) == VS_STATUS_OK && strstr(out, "\"secretIndex\":1"), "rotation");
    vs_string_free(out);
    vs_string_free(headers);

    /* Header problems. */
    const char *opts = "{\"secret\": \"k-0123456789\", \"now\": 1700000000}";
    CHECK(verify_with(opts, "{\"content-type\": \"application/json\"}", BODY, &out) == VS_STATUS_WEBHOOK_UNSIGNED,
          "unsigned");
    CHECK(verify_with("{\"secret\": \"k\", \"allowUnsigned\": true}", "{}", BODY, &out) == VS_STATUS_OK &&
          strcmp(out, "{\"status\":\"unsigned\"}") == 0, "unsigned allowed");
    vs_string_free(out);
    CHECK(verify_with(opts, "{\"webhook-signature\": \"v1,AAAA\"}", BODY, &out) == VS_STATUS_WEBHOOK_MISSING_HEADER,
          "missing id");
    CHECK(verify_with(opts, "[[\"webhook-signature\", \"v1,AAAA\"], [\"webhook-id\", \"m\"], [\"webhook-timestamp\", \"soon\"]]",
                      BODY, &out) == VS_STATUS_WEBHOOK_MALFORMED_HEADER, "malformed timestamp");
    CHECK(verify_with("{\"secret\": \"whsec_!!\"}", "{}", BODY, &out) == VS_STATUS_WEBHOOK_INVALID_SECRET, "bad secret");
    CHECK(verify_with("{\"secret\": 5}", "{}", BODY, &out) == VS_STATUS_INVALID_ARGUMENT, "bad options");
    CHECK(verify_with(opts, "\"not headers\"", BODY, &out) == VS_STATUS_INVALID_ARGUMENT, "bad headers");
    CHECK(vs_webhook_verify(NULL, "{}", NULL, 0, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL options");
    CHECK(vs_webhook_verify(opts, "{}", NULL, 3, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL body with length");
    CHECK(vs_webhook_sign(opts, NULL, 0, NULL) == VS_STATUS_INVALID_ARGUMENT, "NULL out");
}

static void test_mrz(void) {
    char *out = NULL;
    const char *td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    CHECK(vs_mrz_parse(td3, NULL, &out) == VS_STATUS_OK, "system clock: %s", vs_last_error_message());
    CHECK(out && strstr(out, "\"valid\":true"), "%s", out);
    vs_string_free(out);
    CHECK(vs_mrz_parse(td3, "26-11-22", &out) == VS_STATUS_INVALID_ARGUMENT, "bad today");
    CHECK(vs_mrz_parse("NOT AN MRZ", "2026-11-22", &out) == VS_STATUS_VALIDATION_ERROR, "not an MRZ");
    CHECK(vs_mrz_parse(NULL, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL text");
    CHECK(vs_nik_check("3174045202900007", "{\"sex\": \"male\"}", "2026-11-22", &out) == VS_STATUS_OK, "nik");
    CHECK(out && strstr(out, "\"code\":\"nik_sex_mismatch\""), "%s", out);
    vs_string_free(out);
    CHECK(vs_nik_check("3174045202900007", "{\"gender\": \"male\"}", NULL, &out) == VS_STATUS_INVALID_ARGUMENT,
          "unknown claim");
    CHECK(vs_nik_check("123", NULL, NULL, &out) == VS_STATUS_VALIDATION_ERROR, "short nik");

    /* Reading from an image: the sample ID card has no MRZ; a GIF is refused. */
    size_t len = 0;
    char *png = read_fixture("document-bytes/small-card-png.png", &len);
    CHECK(vs_mrz_read((const uint8_t *)png, len, "2026-11-22", &out) == VS_STATUS_NOT_FOUND, "%s",
          vs_last_error_message());
    free(png);
    CHECK(vs_mrz_read((const uint8_t *)"GIF89a", 6, NULL, &out) == VS_STATUS_UNSUPPORTED_FORMAT, "gif");
    char *bomb = read_fixture("images/bomb-100000x100000.png", &len);
    CHECK(vs_mrz_read((const uint8_t *)bomb, len, NULL, &out) == VS_STATUS_FILE_TOO_LARGE, "bomb: %s",
          vs_last_error_message());
    free(bomb);
    CHECK(vs_mrz_read(NULL, 4, NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL data");
    const char *corpus = getenv("VERISCOPE_MRZ_SAMPLE");
    if (corpus) {
        char *jpeg = NULL;
        FILE *f = fopen(corpus, "rb");
        CHECK(f != NULL, "cannot open %s", corpus);
        if (f) {
            fseek(f, 0, SEEK_END);
            long size = ftell(f);
            fseek(f, 0, SEEK_SET);
            jpeg = malloc((size_t)size);
            CHECK(fread(jpeg, 1, (size_t)size, f) == (size_t)size, "read %s", corpus);
            fclose(f);
            CHECK(vs_mrz_read((const uint8_t *)jpeg, (size_t)size, "2026-11-22", &out) == VS_STATUS_OK, "%s",
                  vs_last_error_message());
            CHECK(out && strstr(out, "\"mrz\":{\"format\":"), "%s", out ? out : "(null)");
            vs_string_free(out);
            free(jpeg);
        }
    }
}

/* Reads a whole file by path; returns NULL when it cannot. */
static char *read_path(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    buf[got] = '\0';
    *len_out = got;
    return buf;
}

static void test_face(void) {
    VsFaceModels *models = NULL;
    /* A directory without the models: MODEL_MISSING naming the fetch command. */
    CHECK(vs_face_models_load("/nonexistent-models", &models) == VS_STATUS_MODEL_MISSING, "missing dir");
    CHECK(models == NULL, "no handle on failure");
    CHECK(strstr(vs_last_error_message(), "fetch-models") != NULL, "%s", vs_last_error_message());
    CHECK(vs_face_models_from_bytes((const uint8_t *)"x", 1, NULL, 0, NULL, 0, &models) == VS_STATUS_MODEL_INVALID,
          "garbage model: %s", vs_last_error_message());
    vs_face_models_free(NULL);

    const char *data = getenv("VERISCOPE_FACE_DATA");
    if (!data) {
        fprintf(stderr, "face data: VERISCOPE_FACE_DATA not set (scripts/test sets it); model errors only\n");
        return;
    }
    CHECK(vs_face_models_load(NULL, &models) == VS_STATUS_OK, "load: %s", vs_last_error_message());
    if (!models) return;
    char path[4096];
    size_t card_len = 0, same_len = 0, other_len = 0, none_len = 0;
    snprintf(path, sizeof path, "%s/ktp-obama.jpg", data);
    char *card = read_path(path, &card_len);
    snprintf(path, sizeof path, "%s/obama2.png", data);
    char *same = read_path(path, &same_len);
    snprintf(path, sizeof path, "%s/biden.png", data);
    char *other = read_path(path, &other_len);
    snprintf(path, sizeof path, "%s/coffee.png", data);
    char *none = read_path(path, &none_len);
    CHECK(card && same && other && none, "face data files in %s", data);
    if (card && same && other && none) {
        char *out = NULL;
        CHECK(vs_face_match(models, (const uint8_t *)card, card_len, (const uint8_t *)same, same_len, NULL, &out) ==
                  VS_STATUS_OK,
              "%s", vs_last_error_message());
        CHECK(out && strstr(out, "\"is_match_face\":true") && strstr(out, "\"face_match_confidence_level\":\"HIGH\""),
              "%s", out ? out : "(null)");
        vs_string_free(out);
        CHECK(vs_face_match(models, (const uint8_t *)card, card_len, (const uint8_t *)other, other_len,
                            "{\"details\": true}", &out) == VS_STATUS_OK,
              "%s", vs_last_error_message());
        CHECK(out && strstr(out, "\"is_match_face\":false") && strstr(out, "\"selfie_face\""), "%s",
              out ? out : "(null)");
        vs_string_free(out);
        CHECK(vs_face_match(models, (const uint8_t *)card, card_len, (const uint8_t *)none, none_len, NULL, &out) ==
                  VS_STATUS_FACE_NOT_FOUND,
              "no face: %s", vs_last_error_message());
        CHECK(vs_face_match(models, (const uint8_t *)card, card_len, (const uint8_t *)same, same_len,
                            "{\"threshold\": 1}", &out) == VS_STATUS_VALIDATION_ERROR,
              "unknown option");
        CHECK(vs_face_match(NULL, (const uint8_t *)card, card_len, (const uint8_t *)same, same_len, NULL, &out) ==
                  VS_STATUS_INVALID_ARGUMENT,
              "NULL models");
    }
    free(card);
    free(same);
    free(other);
    free(none);
    vs_face_models_free(models);
}

struct worker {
    const VsLimits *limits;
    int iterations;
    int errors;
};

static void *work(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < w->iterations; i++) {
        char *out = NULL;
        if (i % 2 == 0) {
            if (vs_check_document_bytes(w->limits, (const uint8_t *)"\xff\xd8\xff\xe0", 4, &out) != VS_STATUS_OK ||
                vs_last_error_message() != NULL)
                w->errors++;
        } else {
            if (vs_check_document_bytes(w->limits, (const uint8_t *)"GIF89a", 6, &out) != VS_STATUS_UNSUPPORTED_FORMAT ||
                strstr(vs_last_error_message(), "GIF") == NULL)
                w->errors++;
        }
        vs_string_free(out);
    }
    return NULL;
}

static void test_threads(void) {
    VsLimits *limits = NULL;
    CHECK(vs_limits_new(NULL, &limits) == VS_STATUS_OK, "default limits");
    pthread_t threads[8];
    struct worker workers[8];
    for (int i = 0; i < 8; i++) {
        workers[i] = (struct worker){limits, 2000, 0};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].errors == 0, "thread %d saw %d wrong answers", i, workers[i].errors);
    }
    vs_limits_free(limits);
}

/* The value of "key":"..." in a JSON text (first occurrence), copied into buf. */
static const char *json_string(const char *json, const char *key, char *buf, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = json ? strstr(json, pattern) : NULL;
    if (!start) return NULL;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= size) return NULL;
    memcpy(buf, start, (size_t)(end - start));
    buf[end - start] = '\0';
    return buf;
}

static void test_client(void) {
    VsClient *client = NULL;
    char *out = NULL;
    CHECK(vs_client_new("", NULL, &client) == VS_STATUS_INVALID_ARGUMENT && client == NULL, "empty key");
    CHECK(vs_client_new("vsk", "{\"baseUrl\": \"not a url\"}", &client) == VS_STATUS_INVALID_ARGUMENT, "bad url");
    /* Port 9 is closed: local checks answer first, then the network fails. */
    CHECK(vs_client_new("vsk_c", "{\"baseUrl\": \"http://127.0.0.1:9\", \"maxRetries\": 0}", &client) == VS_STATUS_OK,
          "%s", vs_last_error_message());
    CHECK(vs_client_verify_document(client, (const uint8_t *)"GIF89a....", 10, &out) == VS_STATUS_UNSUPPORTED_FORMAT,
          "a GIF is refused before sending");
    CHECK(vs_client_create_verification(client, "{\"service_id\": \"KTP_SELFIE\", \"input\": {}}", &out) ==
              VS_STATUS_VALIDATION_ERROR, "an incomplete body is refused before sending");
    CHECK(vs_client_services(client, &out) == VS_STATUS_NETWORK_ERROR && out == NULL, "%s", vs_last_error_message());
    CHECK(vs_client_services(NULL, &out) == VS_STATUS_INVALID_ARGUMENT, "NULL client");
    vs_client_free(client);
    vs_client_free(NULL);

    const char *url = getenv("VS_TEST_SERVER_URL"), *key = getenv("VS_TEST_API_KEY");
    if (!url || !key) {
        printf("client: VS_TEST_SERVER_URL/VS_TEST_API_KEY unset, no round trip against veriscope serve\n");
        return;
    }
    char options[256];
    snprintf(options, sizeof options, "{\"baseUrl\": \"%s\"}", url);
    client = NULL;
    CHECK(vs_client_new(key, options, &client) == VS_STATUS_OK, "%s", vs_last_error_message());
    size_t len = 0;
    char *card = read_fixture("analyze/card.jpg", &len);
    CHECK(vs_client_verify_document(client, (const uint8_t *)card, len, &out) == VS_STATUS_OK, "%s", vs_last_error_message());
    CHECK(out && strstr(out, "\"documentType\":\"id\"") && strstr(out, "\"forgeryScore\":"), "%s", out ? out : "(null)");
    vs_string_free(out);
    out = NULL;
    char path[256], id[128], body[512];
    CHECK(vs_client_upload(client, (const uint8_t *)card, len, "card.jpg", &out) == VS_STATUS_OK, "%s", vs_last_error_message());
    CHECK(json_string(out, "path", path, sizeof path) != NULL, "%s", out ? out : "(null)");
    vs_string_free(out);
    out = NULL;
    snprintf(body, sizeof body,
             "{\"service_id\": \"DOCUMENT_FORGERY\", \"input\": {\"files\": {\"document\": [\"%s\"]}}}", path);
    CHECK(vs_client_create_verification(client, body, &out) == VS_STATUS_OK, "%s", vs_last_error_message());
    CHECK(json_string(out, "id", id, sizeof id) != NULL && strstr(out, "\"status\":\"IN_QUEUE\""), "%s", out ? out : "(null)");
    vs_string_free(out);
    out = NULL;
    CHECK(vs_client_get_verification(client, id, 60.0, &out) == VS_STATUS_OK, "%s", vs_last_error_message());
    CHECK(out && (strstr(out, "\"status\":\"COMPLETED\"") || strstr(out, "\"status\":\"FRAUD_DETECTED\"")),
          "%s", out ? out : "(null)");
    vs_string_free(out);
    out = NULL;
    CHECK(vs_client_get_verification(client, "no-such-verification", 0, &out) == VS_STATUS_NOT_FOUND, "missing id");
    free(card);
    vs_client_free(client);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s fixtures|api|arguments|threads|webhooks|mrz|face|client FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    fixtures_dir = argv[2];
    if (strcmp(argv[1], "fixtures") == 0) test_fixtures();
    else if (strcmp(argv[1], "api") == 0) test_api();
    else if (strcmp(argv[1], "arguments") == 0) test_arguments();
    else if (strcmp(argv[1], "threads") == 0) test_threads();
    else if (strcmp(argv[1], "webhooks") == 0) test_webhooks();
    else if (strcmp(argv[1], "mrz") == 0) test_mrz();
    else if (strcmp(argv[1], "face") == 0) test_face();
    else if (strcmp(argv[1], "client") == 0) test_client();
    else {
        fprintf(stderr, "unknown group %s\n", argv[1]);
        return 2;
    }
    printf("%s: %d passed, %d failed\n", argv[1], passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
