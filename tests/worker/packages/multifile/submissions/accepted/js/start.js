const { greet } = require('./greet.js');
const name = require('fs').readFileSync(0, 'utf8').trim();
console.log(greet(name));
