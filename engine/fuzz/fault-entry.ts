/**
 * Test entry for keepServingOnFaults: installs it (unless `bare`), lets a fault escape from a
 * timer and from a promise, then prints "still here" if the process lived through both.
 */
import { keepServingOnFaults } from '../server'

if (process.argv[2] !== 'bare') keepServingOnFaults()
setTimeout(() => {
  throw new TypeError('a fault\nnobody caught')
}, 10)
setTimeout(() => void Promise.reject(new Error('a rejection nobody handled')), 20)
setTimeout(() => process.stdout.write('still here\n'), 100)
