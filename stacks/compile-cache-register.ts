// Side effect only: require this first (or `node -r`) so the modules loaded after it use the compile cache.
import { enableCompileCache } from "./compile-cache";

enableCompileCache();
