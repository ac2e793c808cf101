/*
 * Validates documents the way the forgery API would receive them, using the
 * Veriscope C library, and prints one JSON line per file.
 *
 *   ./validate_document passport.jpg statement.pdf
 */
#include <stdio.h>
#include <stdlib.h>

#include "veriscope.h"

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
    *len = fread(data, 1, (size_t)size, f);
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        unsigned char *data = read_file(argv[i], &len);
        if (!data) {
            perror(argv[i]);
            worst = 2;
            continue;
        }
        char *json = NULL;
        VsStatus status = vs_check_document_bytes(NULL, data, len, &json);
        if (status == VS_STATUS_OK) {
            printf("%s\n", json);
            vs_string_free(json);
        } else {
            /* The API's error body; its HTTP status tells how a server would answer. */
            printf("%s\n", vs_last_error_json());
            fprintf(stderr, "%s: %s (%s, HTTP %u)\n", argv[i], vs_last_error_message(), vs_status_name(status),
                    vs_status_http_status(status));
            worst = 1;
        }
        free(data);
    }
    return worst;
}
