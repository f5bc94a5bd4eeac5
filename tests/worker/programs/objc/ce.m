#import <Foundation/Foundation.h>

int main(void) {
    NSString *s = @"unterminated;
    return 0;
}
