/** The job service's names on Redis (queues, cancel channel, progress keys): the ones it has always used. */
import { fleetNames } from '../../runtime/jobs/fleet-queue';

export const SERVICE_FLEET = fleetNames('upscale');
