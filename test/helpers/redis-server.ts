export { startRedisServer, type RedisServer } from '../../src/dev/redis-server.js';
