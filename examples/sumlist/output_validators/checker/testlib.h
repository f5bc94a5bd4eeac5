/*
 * judgebox's MINIMAL testlib-COMPATIBLE header, written for judgebox's examples.
 *
 * This is NOT Mike Mirzayanov's testlib.h (https://github.com/MikeMirzayanov/testlib): it is a
 * small subset written from its documented interface, so that the examples build without
 * fetching anything. Real packages ship the real testlib.h; judgebox compiles either (it
 * inlines the local header before compiling).
 *
 * What it has: registerTestlibCmd (checkers: checker input output answer), registerInteraction
 * (interactors: interactor input tout [answer]), the streams inf / ouf / ans (and tout),
 * readInt / readLong / readDouble / readToken / readWord / readLine / seekEof / eof, quitf,
 * quitp, ensuref, and testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error
 * ("wrong output format"), 3 fail, 4 dirt, 7 points. As in testlib, a read error is a
 * presentation error in the contestant's output and a FAIL in the jury's files, and an "ok"
 * with unread contestant output is "dirt" (extra information in the output file).
 */
#ifndef JUDGEBOX_MINIMAL_TESTLIB_H
#define JUDGEBOX_MINIMAL_TESTLIB_H

#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3, _dirt = 4, _points = 5,
               _unexpected_eof = 8 };

static int __testlib_exit_code(TResult result) {
    switch (result) {
        case _ok: return 0;
        case _wa: return 1;
        case _pe: return 2;
        case _fail: return 3;
        case _dirt: return 4;
        case _points: return 7;
        case _unexpected_eof: return 2;  // testlib reports it as a presentation error
    }
    return 3;
}

static const char *__testlib_result_name(TResult result) {
    switch (result) {
        case _ok: return "ok";
        case _wa: return "wrong answer";
        case _pe: case _unexpected_eof: return "wrong output format";
        case _fail: return "FAIL";
        case _dirt: return "wrong output format";
        case _points: return "points";
    }
    return "FAIL";
}

[[noreturn]] inline void quit(TResult result, const std::string &message);

class InStream {
  public:
    FILE *file = nullptr;
    std::string name;
    bool contestant = false;  // read errors: presentation error (ouf), else FAIL

    void init(FILE *f, const std::string &stream_name, bool is_contestant) {
        file = f;
        name = stream_name;
        contestant = is_contestant;
    }

    [[noreturn]] void fail(const std::string &message) {
        quit(contestant ? _pe : _fail, name + ": " + message);
    }

    void skipBlanks() {
        int c;
        while ((c = std::fgetc(file)) != EOF && std::isspace(c)) {}
        if (c != EOF) std::ungetc(c, file);
    }

    bool seekEof() {
        skipBlanks();
        int c = std::fgetc(file);
        if (c == EOF) return true;
        std::ungetc(c, file);
        return false;
    }

    bool eof() {
        int c = std::fgetc(file);
        if (c == EOF) return true;
        std::ungetc(c, file);
        return false;
    }

    std::string readToken() {
        skipBlanks();
        std::string token;
        int c;
        while ((c = std::fgetc(file)) != EOF && !std::isspace(c)) token.push_back((char)c);
        if (c != EOF) std::ungetc(c, file);
        if (token.empty()) fail("unexpected end of file, a token expected");
        return token;
    }

    std::string readWord() { return readToken(); }

    std::string readLine() {
        std::string line;
        int c;
        while ((c = std::fgetc(file)) != EOF && c != '\n') line.push_back((char)c);
        return line;
    }

    long long readLong() {
        std::string token = readToken();
        errno = 0;
        char *end = nullptr;
        long long value = std::strtoll(token.c_str(), &end, 10);
        if (errno || end == token.c_str() || *end || token == "-" || token[0] == '+')
            fail("expected an integer, found \"" + token.substr(0, 64) + "\"");
        return value;
    }

    long long readLong(long long lo, long long hi, const std::string &what = "") {
        long long value = readLong();
        if (value < lo || value > hi)
            quit(contestant ? _wa : _fail, (what.empty() ? name : what) + "=" +
                 std::to_string(value) + " violates the range [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "]");
        return value;
    }

    int readInt() { return (int)readLong(-2147483648LL, 2147483647LL); }

    int readInt(int lo, int hi, const std::string &what = "") {
        return (int)readLong(lo, hi, what);
    }

    double readDouble() {
        std::string token = readToken();
        char *end = nullptr;
        double value = std::strtod(token.c_str(), &end);
        if (end == token.c_str() || *end)
            fail("expected a number, found \"" + token.substr(0, 64) + "\"");
        return value;
    }

    double readReal() { return readDouble(); }
};

static InStream inf, ouf, ans;
static std::ofstream tout;
static bool __testlib_checker = false;

[[noreturn]] inline void quit(TResult result, const std::string &message) {
    if (result == _ok && __testlib_checker && !ouf.seekEof()) {
        result = _dirt;
        std::fprintf(stderr, "wrong output format Extra information in the output file\n");
        std::exit(__testlib_exit_code(result));
    }
    std::fprintf(stderr, "%s %s\n", __testlib_result_name(result), message.c_str());
    std::exit(__testlib_exit_code(result));
}

static std::string __testlib_format(const char *format, va_list args) {
    char buffer[4096];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    return buffer;
}

[[noreturn]] inline void quitf(TResult result, const char *format, ...) {
    va_list args;
    va_start(args, format);
    std::string message = __testlib_format(format, args);
    va_end(args);
    quit(result, message);
}

[[noreturn]] inline void quitp(double points, const char *format = "", ...) {
    va_list args;
    va_start(args, format);
    std::string message = __testlib_format(format, args);
    va_end(args);
    std::fprintf(stderr, "points %.10g %s\n", points, message.c_str());
    std::exit(__testlib_exit_code(_points));
}

inline void ensuref(bool condition, const char *format, ...) {
    if (condition) return;
    va_list args;
    va_start(args, format);
    std::string message = __testlib_format(format, args);
    va_end(args);
    quit(_fail, message);
}

static FILE *__testlib_open(const char *path) {
    FILE *f = std::fopen(path, "r");
    if (!f) {
        std::fprintf(stderr, "FAIL cannot open %s\n", path);
        std::exit(__testlib_exit_code(_fail));
    }
    return f;
}

inline void registerTestlibCmd(int argc, char *argv[]) {
    if (argc < 4) {
        std::fprintf(stderr, "FAIL usage: %s input output answer\n", argv[0]);
        std::exit(__testlib_exit_code(_fail));
    }
    inf.init(__testlib_open(argv[1]), "input", false);
    ouf.init(__testlib_open(argv[2]), "output", true);
    ans.init(__testlib_open(argv[3]), "answer", false);
    __testlib_checker = true;
}

inline void registerInteraction(int argc, char *argv[]) {
    if (argc < 3) {
        std::fprintf(stderr, "FAIL usage: %s input tout [answer]\n", argv[0]);
        std::exit(__testlib_exit_code(_fail));
    }
    inf.init(__testlib_open(argv[1]), "input", false);
    tout.open(argv[2]);
    ouf.init(stdin, "contestant", true);
    if (argc > 3) ans.init(__testlib_open(argv[3]), "answer", false);
}

#endif
