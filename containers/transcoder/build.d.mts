import type { BuildOptions } from 'esbuild';

/** dist/main.mjs, the bundle the Dockerfile copies and the local Fargate agent runs. */
export declare const TRANSCODER_BUNDLE: string;
/** The one set of esbuild options for the transcoder bundle. */
export declare const TRANSCODER_BUILD_OPTIONS: BuildOptions;
export declare function bundleTranscoder(): Promise<void>;
export declare function bundleTranscoderSync(): void;
