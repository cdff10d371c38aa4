import { z } from "zod";

/** SCADA_REDIS_URL / `--redis`: the Redis the line's HMI processes share (redis://[user:pass@]host:port[/db], rediss:// for TLS). */
export const redisUrlSchema = z.string().regex(/^rediss?:\/\/[^\s/]+(\/\d+)?$/, "must be a Redis URL: redis://host:port, redis://user:password@host:port/db, or rediss:// (TLS)");
