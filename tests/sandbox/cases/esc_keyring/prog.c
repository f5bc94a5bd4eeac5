/* Kernel keyrings are not namespaced: keys added by one box (same uid later, another box...)
 * could be found by another, and the keyring code has a history of kernel bugs. add_key,
 * keyctl and request_key must all fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1

#include "../escape.h"

int main(void)
{
    must_fail(syscall(SYS_add_key, "user", "judgebox-probe", "secret", 6,
                      KEY_SPEC_PROCESS_KEYRING), "add_key(user, process keyring)");
    must_fail(syscall(SYS_add_key, "user", "judgebox-probe", "secret", 6,
                      KEY_SPEC_USER_KEYRING), "add_key(user, user keyring)");
    must_fail(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
              "keyctl(GET_KEYRING_ID, session)");
    must_fail(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1),
              "keyctl(GET_KEYRING_ID, user, create)");
    must_fail(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "judgebox-probe"),
              "keyctl(JOIN_SESSION_KEYRING)");
    must_fail(syscall(SYS_request_key, "user", "judgebox-probe", NULL, 0), "request_key(user)");
    puts("all blocked");
    return 0;
}
