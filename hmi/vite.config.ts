// The operator HMI: plain TypeScript + DOM + SVG, bundled by Vite into hmi/dist (served by the SCADA at /).
// `npm run build:hmi` type-checks (tsc -p hmi) and builds. For development against a running SCADA:
// `SCADA_URL=http://127.0.0.1:8080 npx vite hmi` proxies /api and /socket.io to it.
import { defineConfig } from "vite";

// Typed here so the HMI's tsconfig needs no Node typings (the browser code must not see them).
declare const process: { env: Record<string, string | undefined> };

const root = decodeURIComponent(new URL(".", import.meta.url).pathname);
const target = process.env.SCADA_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root,
  base: "/",
  // Vite keeps its dependency cache under root by default: keep it out of the source tree.
  cacheDir: "../node_modules/.vite-hmi",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    proxy: {
      "/api": target,
      "/socket.io": { target, ws: true },
    },
  },
});
