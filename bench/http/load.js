// One load run against a running QunGuard: autocannon from a second process on loopback.
// Bodies rotate through real test-set texts; user ids spread over --users distinct users.
// Prints one JSON line: requests/s, latency percentiles (ms), errors, non-2xx count.
//
//   node load.js --url http://127.0.0.1:8765 --token T --texts texts.json
//               [--batch 0|N] [--rate R] [--duration S] [--connections C] [--users U]
'use strict'
const fs = require('fs')
const autocannon = require('autocannon')

function args () {
  const a = { batch: 0, rate: 0, duration: 20, connections: 32, users: 100000 }
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1]
  for (const k of ['batch', 'rate', 'duration', 'connections', 'users']) a[k] = Number(a[k])
  return a
}

const opt = args()
const texts = JSON.parse(fs.readFileSync(opt.texts, 'utf8'))
let n = 0
function message () {
  n++
  const user = Math.floor(Math.random() * opt.users)
  // each user belongs to one of 50 groups, as members of real groups do
  return { group_id: 'g' + (user % 50), user_id: 'u' + user, text: texts[n % texts.length] }
}

const path = opt.batch > 0 ? '/v1/classify/batch' : '/v1/classify'
const instance = autocannon({
  url: opt.url + path,
  method: 'POST',
  connections: opt.connections,
  duration: opt.duration,
  overallRate: opt.rate > 0 ? opt.rate : undefined,
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + opt.token },
  requests: [{
    setupRequest: (req) => {
      const body = opt.batch > 0
        ? { messages: Array.from({ length: opt.batch }, message) }
        : message()
      req.body = JSON.stringify(body)
      return req
    }
  }]
}, (err, r) => {
  if (err) { console.error(err); process.exit(1) }
  console.log(JSON.stringify({
    path,
    batch: opt.batch,
    rate_target: opt.rate,
    connections: opt.connections,
    duration_s: r.duration,
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    messages_per_s: (r.requests.total * Math.max(1, opt.batch)) / r.duration,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx
  }))
})
process.once('SIGINT', () => instance.stop())
