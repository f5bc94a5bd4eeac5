#import <Foundation/Foundation.h>

int main(void) {
    @autoreleasepool {
        NSArray *empty = [NSArray array];
        NSLog(@"%@", [empty objectAtIndex:5]);  /* NSRangeException, never caught */
    }
    return 0;
}
