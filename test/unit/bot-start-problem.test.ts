import { startProblem } from '../../bot/start-problem';

describe('startProblem', () => {
	it('a refused token, an unreachable Discord, anything else as its message', () => {
		expect(startProblem(Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' }))).toBe('Discord refused DISCORD_TOKEN (An invalid token was provided.): reset the token in the Developer Portal (your app → Bot) and set it again');
		expect(startProblem(Object.assign(new Error('getaddrinfo ENOTFOUND discord.com'), { code: 'ENOTFOUND' }))).toBe('Discord could not be reached (ENOTFOUND): check the network, or DISCORD_API_URL');
		expect(startProblem(new Error('404: Not Found'))).toBe('404: Not Found');
	});
});
