import { forEach } from '@sluice/operators';
import { fromReadableStream } from '@sluice/adapters/web';
import { CHUNK, chunk, consume, runCase, volume } from '../harness.js';

runCase(async () => {
  let i = 0;
  const bytes = volume();
  const stream = new ReadableStream<Buffer>(
    {
      pull(controller) {
        if (i * CHUNK < bytes) controller.enqueue(chunk(i++));
        else controller.close();
      },
    },
    { highWaterMark: 2 },
  );
  await fromReadableStream(stream).to(forEach((c) => consume(c.length)));
  // the stream's two queued chunks, the one read, the chunk in the sink
  return 4 * CHUNK;
});
