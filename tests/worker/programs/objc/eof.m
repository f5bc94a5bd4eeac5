#import <Foundation/Foundation.h>
#include <stdio.h>

int main(void) {  /* every number to EOF into a file in /tmp, then read back from it */
    @autoreleasepool {
        NSMutableString *text = [NSMutableString string];
        long long x;
        while (scanf("%lld", &x) == 1) [text appendFormat:@"%lld\n", x];
        NSError *error = nil;
        if (![text writeToFile:@"/tmp/numbers.txt" atomically:NO
                      encoding:NSUTF8StringEncoding error:&error]) return 2;
        NSString *back = [NSString stringWithContentsOfFile:@"/tmp/numbers.txt"
                                                   encoding:NSUTF8StringEncoding error:&error];
        long long n = 0, sum = 0;
        for (NSString *line in [back componentsSeparatedByString:@"\n"]) {
            if ([line length] == 0) continue;
            n++;
            sum += [line longLongValue];
        }
        printf("%lld %lld\n", n, sum);
    }
    return 0;
}
