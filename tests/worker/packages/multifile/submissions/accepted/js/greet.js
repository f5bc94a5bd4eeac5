exports.greet = (n) => 'Hello ' + n;
